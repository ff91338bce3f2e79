import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { OpenAPIBackend } from "openapi-backend";
import { type ApplicationFunction, Probot, ProbotOctokit } from "probot";

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
    const definition = JSON.parse(
      readFileSync(require.resolve("@octokit/openapi/generated/api.github.com.json"), "utf8"),
    );
    const api = new OpenAPIBackend({
      definition,
      quick: true,
      strict: false,
      validate: true,
      ajvOpts: { validateFormats: false },
    });
    await api.init();
    return api;
  })();
  return backend;
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
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
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
  const probot = new Probot({
    appId: 123,
    privateKey,
    Octokit,
    ...(options.log ? { log: options.log } : {}),
  });
  void probot.load(app);
  return { probot, sent, invalid };
}
