// The server: Probot's HTTP server with Capstan's app. Without APP_ID and PRIVATE_KEY it serves Probot's
// setup page, which registers the app from app.yml. HOST and PORT are honoured (Probot listens on
// localhost unless HOST says otherwise). On SIGTERM it stops taking webhooks, lets queued work finish and
// exits.
import { type ApplicationFunctionOptions, type Probot, ProbotOctokit, run } from "probot";
import { readServerConfig, unpinnedEntries } from "./config/index.js";
import { requestMetrics } from "./github/request-metrics.js";
import { type AppDeps, createDeps } from "./handlers/deps.js";
import { createApp } from "./index.js";

// The operator's clusters and which repositories may use them; an invalid file stops the start.
const serverConfig = process.env.CAPSTAN_CONFIG
  ? await readServerConfig(process.env.CAPSTAN_CONFIG)
  : undefined;

let deps: AppDeps | undefined;
let log: Probot["log"] | undefined;
const server = await run(
  (app: Probot, options: ApplicationFunctionOptions) => {
    log = app.log;
    deps = createDeps(app.log, { server: serverConfig, sweeps: true, redisUrl: process.env.REDIS_URL });
    if (!serverConfig)
      app.log.info(
        "CAPSTAN_CONFIG is not set: no clusters are configured, and cluster names are not checked",
      );
    for (const line of serverConfig ? unpinnedEntries(serverConfig) : []) app.log.warn(line);
    return createApp(deps)(app, options);
  },
  // Every request to GitHub is counted for /metrics.
  { Octokit: ProbotOctokit.plugin(requestMetrics) },
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log?.info(`${signal}: no new webhooks; finishing queued work`);
  await server.stop();
  // Running deploys stop sending and mark their Deployments failed, instead of being cut off mid-way.
  deps?.shutdown.abort("Capstan is shutting down");
  // Queued work lives only in memory and GitHub does not redeliver, so give it a while, but not forever.
  await Promise.race([
    Promise.all([deps?.reconciler?.stop(), deps?.queue.idle(), deps?.deploys.idle()]),
    new Promise((resolve) => setTimeout(resolve, 25_000)),
  ]);
  log?.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
