import { createHmac, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { Octokit } from "@octokit/rest";
import { OpenAPIBackend } from "openapi-backend";
import { type ApplicationFunction, Probot, ProbotOctokit, Server } from "probot";
import type { GitHub } from "../../src/github/types.js";

const require = createRequire(import.meta.url);

/** A request the app sent to GitHub, as the tests see it. */
export interface SentRequest {
  method: string;
  /** Path and query, e.g. `/repos/o/r/issues/1/comments?per_page=100`. */
  path: string;
  body: unknown;
}

let backend: Promise<OpenAPIBackend> | undefined;

// GitHub's published OpenAPI description; every request the tests make is checked against it.
function openApi(): Promise<OpenAPIBackend> {
  backend ??= (async () => {
    const definition = untypedNullablesDropped(
      JSON.parse(readFileSync(require.resolve("@octokit/openapi/generated/api.github.com.json"), "utf8")),
    ) as ConstructorParameters<typeof OpenAPIBackend>[0]["definition"];
    const api = new OpenAPIBackend({
      definition,
      quick: true,
      strict: false,
      validate: true,
      ajvOpts: { validateFormats: false },
    });
    await api.init();
    // The router rebuilds its list of GitHub's thousand operations on every match (a tenth of a second,
    // on the thread that serves the app under test): built once, the check costs the tests' timings nothing.
    const operations = api.router.getOperations();
    api.router.getOperations = () => operations;
    return api;
  })();
  return backend;
}

// Some of GitHub's schemas (an issue's `milestone`, for one) say `nullable` beside a `oneOf` and no `type`,
// which ajv refuses to compile. Dropping that `nullable` only makes those fields stricter (null refused).
function untypedNullablesDropped(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(untypedNullablesDropped);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = untypedNullablesDropped(value);
  if ("nullable" in out && !("type" in out)) delete out.nullable;
  return out;
}

/**
 * Throws when a request matches no operation of GitHub's REST description or its body or parameters are
 * invalid for it. GraphQL requests are checked for a query string only.
 */
export async function validateAgainstOpenApi(request: SentRequest): Promise<void> {
  const api = await openApi();
  const [pathname, search = ""] = request.path.split("?");
  const req = {
    method: request.method.toLowerCase(),
    path: pathname!,
    query: Object.fromEntries(new URLSearchParams(search)),
    headers: { "content-type": "application/json" },
    body: request.body,
  };
  const operation = api.matchOperation(req);
  if (!operation) throw new Error(`no GitHub REST operation matches ${request.method} ${request.path}`);
  const result = api.validateRequest(req, operation);
  if (!result.valid) {
    throw new Error(
      `${request.method} ${request.path} (${operation.operationId}) is invalid: ${JSON.stringify(result.errors)}`,
    );
  }
}

/**
 * A Probot instance for tests: a key generated for the run, no retries or throttling, and every request
 * recorded in `sent` and validated against GitHub's OpenAPI description before it reaches nock.
 */
export function testProbot(
  app: ApplicationFunction,
  options: { log?: NonNullable<ConstructorParameters<typeof Probot>[0]>["log"] } = {},
): {
  probot: Probot;
  sent: SentRequest[];
  invalid: string[];
} {
  const { Octokit, sent, invalid } = recordingOctokit();
  const probot = new Probot({
    appId: 123,
    privateKey: testKey(),
    Octokit,
    ...(options.log ? { log: options.log } : {}),
  });
  void probot.load(app);
  return { probot, sent, invalid };
}

/**
 * A plain REST client (no Probot) whose requests are validated against GitHub's OpenAPI description; the
 * writes it sends (method and path after the repository, e.g. `POST issues/7/comments`) go into `writes`,
 * and every request with its body into `sent` when given.
 */
export function validatingRest(writes: string[], sent?: SentRequest[]): GitHub {
  const octokit = new Octokit({ auth: "x" });
  octokit.hook.wrap("request", async (request, options) => {
    const endpoint = octokit.request.endpoint(options);
    const url = new URL(endpoint.url);
    const record = { method: endpoint.method, path: url.pathname + url.search, body: endpoint.body };
    sent?.push(record);
    await validateAgainstOpenApi(record);
    if (endpoint.method !== "GET")
      writes.push(`${endpoint.method} ${url.pathname.replace(/^\/repos\/[^/]+\/[^/]+\//, "")}`);
    return request(options);
  });
  return octokit as unknown as GitHub;
}

/**
 * Probot's HTTP server (webhooks and `/ping`) with the app, on a free loopback port, talking to GitHub
 * through the same recording, validating Octokit as {@link testProbot}.
 */
export async function testServer(
  app: ApplicationFunction,
  log: NonNullable<ConstructorParameters<typeof Probot>[0]>["log"],
): Promise<{
  url: string;
  /** Sends a webhook as GitHub does: signed, over HTTP; resolves with the server's status. */
  deliver: (name: string, id: string, payload: unknown) => Promise<number>;
  sent: SentRequest[];
  invalid: string[];
  stop: () => Promise<void>;
}> {
  const { Octokit, sent, invalid } = recordingOctokit();
  const server = new Server({
    Probot: Probot.defaults({ appId: 123, privateKey: testKey(), secret: "test-secret", Octokit, log }),
    port: await freePort(),
    host: "127.0.0.1",
    log,
  });
  await server.load(app);
  const http = await server.start();
  const address = http.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const deliver = (name: string, id: string, payload: unknown) =>
    deliverWebhook(url, "test-secret", name, id, payload);
  return { url, deliver, sent, invalid, stop: () => server.stop() };
}

/** Sends a webhook to a Capstan server as GitHub does: signed, over HTTP; resolves with its status. */
export async function deliverWebhook(
  url: string,
  secret: string,
  name: string,
  id: string,
  payload: unknown,
): Promise<number> {
  const body = JSON.stringify(payload);
  const signature = createHmac("sha256", secret).update(body).digest("hex");
  const response = await fetch(`${url}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": name,
      "x-github-delivery": id,
      "x-hub-signature-256": `sha256=${signature}`,
    },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

// Probot takes port 0 for "unset" and listens on 3000, so ask the kernel for a free port first.
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
    probe.on("error", reject);
  });
}

/** A fresh RSA key for the test app (Probot signs its JWTs with it; the mock never checks them). */
export function testKey(): string {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
}

function recordingOctokit() {
  const sent: SentRequest[] = [];
  // Validation failures are also collected here: inside the app's queued work a thrown error is only
  // logged, so tests assert this list is empty instead of relying on the error reaching them.
  const invalid: string[] = [];
  const Octokit = ProbotOctokit.plugin((octokit) => {
    octokit.hook.wrap("request", async (request, options) => {
      const endpoint = octokit.request.endpoint(options);
      const url = new URL(endpoint.url);
      const entry = { method: endpoint.method, path: url.pathname + url.search, body: endpoint.body };
      sent.push(entry);
      if (!url.pathname.endsWith("/graphql") && !url.pathname.includes("/access_tokens")) {
        await validateAgainstOpenApi(entry).catch((err: Error) => {
          invalid.push(err.message);
          throw err;
        });
      }
      return request(options);
    });
  }).defaults((options: Record<string, unknown>) => ({
    ...options,
    retry: { enabled: false },
    throttle: { enabled: false },
  }));
  return { Octokit, sent, invalid };
}
