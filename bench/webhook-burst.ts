// The client side of bench/webhook-ack.ts, in a process of its own so that it does not share the server's
// event loop: sends DELIVERIES signed deliveries at once and prints their latencies as JSON.
import { createHmac } from "node:crypto";

const [url, secret, count, round] = process.argv.slice(2) as [string, string, string, string];
const body = await new Promise<string>((resolve) => {
  let data = "";
  process.stdin.on("data", (chunk) => (data += chunk)).on("end", () => resolve(data));
});
const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
const times = await Promise.all(
  Array.from({ length: Number(count) }, async (_, i) => {
    const start = performance.now();
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": `bench-${round}-${i}`,
        "x-hub-signature-256": signature,
      },
      body,
    });
    await response.arrayBuffer();
    if (response.status >= 300) throw new Error(`delivery answered ${response.status}`);
    return performance.now() - start;
  }),
);
process.stdout.write(JSON.stringify(times));
