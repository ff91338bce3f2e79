// An Octokit plugin that counts every request to GitHub by method and status, and keeps the rate limit
// GitHub reported last, for `/metrics`. A 304 to a conditional request counts too (it is free).
import { metrics } from "../metrics.js";

type Headers = Record<string, string | number | undefined> | undefined;

function observeRateLimit(headers: Headers): void {
  const remaining = Number(headers?.["x-ratelimit-remaining"]);
  if (!Number.isFinite(remaining)) return;
  metrics.rateLimit.set({ resource: String(headers?.["x-ratelimit-resource"] ?? "core") }, remaining);
}

/** What the plugin needs of an Octokit: its request hooks. */
interface Hooked {
  hook: {
    after(
      name: "request",
      fn: (response: { status: number; headers: unknown }, options: { method: string }) => void,
    ): void;
    error(name: "request", fn: (error: unknown, options: { method: string }) => never): void;
  };
}

/** The plugin: `ProbotOctokit.plugin(requestMetrics)`. */
export function requestMetrics(octokit: Hooked): void {
  octokit.hook.after("request", (response, options) => {
    metrics.github.inc({ method: options.method, status: String(response.status) });
    observeRateLimit(response.headers as Headers);
  });
  octokit.hook.error("request", (error, options) => {
    const failed = error as { status?: number; response?: { headers?: Headers } };
    metrics.github.inc({ method: options.method, status: String(failed.status ?? "error") });
    observeRateLimit(failed.response?.headers);
    throw error;
  });
}
