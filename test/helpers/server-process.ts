// Capstan as it runs in production: `src/main.ts` in a process of its own, configured by environment
// variables only. It reaches "GitHub" through a loopback proxy in the test process that hands every
// request to the nock-backed GitHubState, so one mock keeps the repository's state across restarts of the
// server (and across a kill -9), and every request is validated against GitHub's OpenAPI description.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { ROOT } from "./fixtures.js";
import { deliverWebhook, freePort, type SentRequest, testKey, validateAgainstOpenApi } from "./github.js";

/** The proxy that stands in for api.github.com. */
export interface GitHubProxy {
  /** `host:port`, for Probot's `GHE_HOST`. */
  host: string;
  /** Every request, with when the proxy received it. */
  sent: Array<SentRequest & { at: number }>;
  /** Requests that GitHub's OpenAPI description does not allow. */
  invalid: string[];
  stop(): Promise<void>;
}

// Hop-by-hop and length headers are the proxy's own business on each side.
const DROPPED = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive"]);

/** Starts the proxy: `/api/v3/<path>` is asked of `https://api.github.com/<path>`, which nock answers. */
export async function githubProxy(): Promise<GitHubProxy> {
  const sent: GitHubProxy["sent"] = [];
  const invalid: string[] = [];
  const server: Server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks);
      // GitHub Enterprise's layout, as Octokit uses it with GHE_HOST: REST under /api/v3, GraphQL at /api/graphql.
      const path = (req.url ?? "/").replace(/^\/api\/v3/, "").replace(/^\/api\/graphql/, "/graphql");
      const method = req.method ?? "GET";
      const text = raw.toString("utf8");
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const request = { method, path, body };
      sent.push({ ...request, at: Date.now() });
      if (!path.endsWith("/graphql") && !path.includes("/access_tokens")) {
        await validateAgainstOpenApi(request).catch((err: Error) => invalid.push(err.message));
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k, v]) => !DROPPED.has(k) && typeof v === "string"),
      ) as Record<string, string>;
      const response = await fetch(`https://api.github.com${path}`, {
        method,
        headers,
        body: raw.length > 0 ? raw : undefined,
        redirect: "manual",
      });
      const data = Buffer.from(await response.arrayBuffer());
      const out: Record<string, string> = {};
      response.headers.forEach((value, key) => {
        if (!DROPPED.has(key) && key !== "content-encoding") out[key] = value;
      });
      res.writeHead(response.status, { ...out, "content-length": String(data.length) });
      res.end(data);
    } catch (err) {
      res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: `the test proxy failed: ${(err as Error).message}` }));
    }
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    host: `127.0.0.1:${port}`,
    sent,
    invalid,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** One running Capstan server process. */
export interface ServerProcess {
  url: string;
  /** Its log lines (JSON, as `LOG_FORMAT=json` writes them), parsed. */
  logs: Array<Record<string, unknown> & { msg?: string }>;
  /** Sends it a signed webhook. */
  deliver(name: string, id: string, payload: unknown): Promise<number>;
  /** SIGKILL: no shutdown, no cleanup, as an OOM kill or a lost node. */
  kill(): Promise<void>;
  /** SIGTERM, and waits for it to exit. */
  stop(): Promise<void>;
}

/** What every server process of one test file shares: its proxy, key and settings. */
export interface ServerSettings {
  proxy: GitHubProxy;
  /** `CAPSTAN_CONFIG`. */
  config: string;
  cacheDir: string;
  env?: Record<string, string>;
}

const SECRET = "test-secret";
const privateKey = testKey();

/** Starts `src/main.ts` (through tsx, as the sources are) and waits until `/ping` answers. */
export async function startServerProcess(settings: ServerSettings): Promise<ServerProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      APP_ID: "123",
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      GHE_HOST: settings.proxy.host,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
      CAPSTAN_CONFIG: settings.config,
      CAPSTAN_CACHE_DIR: settings.cacheDir,
      ...settings.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: ServerProcess["logs"] = [];
  let partial = "";
  const collect = (chunk: Buffer) => {
    partial += chunk.toString("utf8");
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line });
      }
    }
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited: ${logs.map((l) => l.msg).join("\n")}`);
    const up = await fetch(`${url}/ping`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the server did not answer /ping in 60 s: ${logs.map((l) => l.msg).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    logs,
    deliver: (name, id, payload) => deliverWebhook(url, SECRET, name, id, payload),
    kill: async () => {
      // The whole group: the renderers it started die with it, as they would with the pod.
      child.kill("SIGKILL");
      await exited;
    },
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
