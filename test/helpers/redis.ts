// Debian's redis-server, started for a test on a free loopback port with nothing persisted.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { Redis } from "ioredis";
import { freePort } from "./github.js";

/** A running redis-server: its URL, and how to stop it. */
export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

/** Starts redis-server and waits until it answers PING. */
export async function startRedis(): Promise<RedisServer> {
  if (
    !existsSync("/usr/bin/redis-server") &&
    !process.env.PATH?.split(":").some((d) => existsSync(`${d}/redis-server`))
  )
    throw new Error("redis-server is not installed: apt-get install redis-server (.ci/run does)");
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // Refusals while it starts are expected; they are retried below.
  client.on("error", () => {});
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error("redis-server did not start");
      client.disconnect();
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.disconnect();
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
