// How fast Capstan acknowledges webhooks: 200 pull_request deliveries sent at once to a real Probot server
// on loopback, each signed as GitHub signs them. Capstan queues the preview and answers at once (GitHub
// wants 2xx within 10 s). The peer is the same server with an app that does nothing, so the ratio is what
// Capstan adds. Goal: p99 ≤ 50 ms. The queued previews fail fast here (GitHub is pointed at a closed local
// port) and are logged at a silenced level.
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { Probot, ProbotOctokit, Server } from "probot";
import { createDeps } from "../src/handlers/deps.js";
import { createApp } from "../src/index.js";

const require = createRequire(import.meta.url);
const SECRET = "bench-secret";
const DELIVERIES = 200;
const ROUNDS = 5;

const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;
const payload = {
  ...examples.find((e) => e.name === "pull_request")!.examples.find((e) => e.action === "opened")!,
  installation: { id: 1 },
};
const body = JSON.stringify(payload);

async function startServer(
  withCapstan: boolean,
): Promise<{ url: string; stop: () => Promise<void>; handled: number[] }> {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const log = pino({ level: "silent" });
  const port = await freePort();
  const Octokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({
    ...o,
    baseUrl: "http://127.0.0.1:9",
    retry: { enabled: false },
    throttle: { enabled: false },
  }));
  const server = new Server({
    Probot: Probot.defaults({ appId: 1, privateKey, secret: SECRET, Octokit, log }),
    port,
    host: "127.0.0.1",
    log,
  });
  await server.load(withCapstan ? createApp(createDeps(log)) : () => {});
  const http = await server.start();
  // Server-side time: from the request's arrival to the answer's last byte, the part Capstan controls.
  const handled: number[] = [];
  http.prependListener("request", (_req, res) => {
    const start = performance.now();
    res.on("finish", () => handled.push(performance.now() - start));
  });
  return { url: `http://127.0.0.1:${port}/api/github/webhooks`, stop: () => server.stop(), handled };
}

// The deliveries come from another process, as they would from GitHub.
function burst(url: string, round: number): Promise<number[]> {
  const script = fileURLToPath(new URL("./webhook-burst.js", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [script, url, SECRET, String(DELIVERIES), String(round)],
      (err, stdout) => {
        if (err) reject(err);
        else resolve((JSON.parse(stdout) as number[]).sort((a, b) => a - b));
      },
    );
    child.stdin!.end(body);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const results: Record<string, number[]> = {};
const serverSide: Record<string, number[]> = {};
for (const [name, withCapstan] of [
  ["capstan", true],
  ["probot with an empty app", false],
] as const) {
  const server = await startServer(withCapstan);
  await burst(server.url, -1); // warm-up
  server.handled.length = 0;
  const all: number[] = [];
  for (let round = 0; round < ROUNDS; round++) all.push(...(await burst(server.url, round)));
  await server.stop();
  results[name] = all.sort((a, b) => a - b);
  serverSide[name] = server.handled.sort((a, b) => a - b);
}
const ours = results.capstan!;
const peer = results["probot with an empty app"]!;
console.log(`\nwebhook acknowledgement, ${DELIVERIES} concurrent deliveries × ${ROUNDS} rounds`);
for (const [name, times] of Object.entries(results)) {
  const server = serverSide[name]!;
  console.log(`  ${name}`);
  console.log(
    `    as the sender sees it   p50 ${percentile(times, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(times, 99).toFixed(1).padStart(6)} ms`,
  );
  console.log(
    `    inside the server       p50 ${percentile(server, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(server, 99).toFixed(1).padStart(6)} ms`,
  );
}
console.log(`  ratio (sender p99)         ${(percentile(ours, 99) / percentile(peer, 99)).toFixed(2)}×`);
console.log(
  `  ratio (server p99)         ${(percentile(serverSide.capstan!, 99) / percentile(serverSide["probot with an empty app"]!, 99)).toFixed(2)}×`,
);
process.exit(0);
