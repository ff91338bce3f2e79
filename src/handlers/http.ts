import type { IncomingMessage, ServerResponse } from "node:http";
import { registry } from "../metrics.js";
import type { AppDeps } from "./deps.js";

/**
 * Capstan's own HTTP endpoints beside Probot's (`/ping` for liveness):
 * - `GET /metrics`: Prometheus text format;
 * - `GET /readyz`: 200 while this replica takes webhooks, 503 once it is stopping, so the Service stops
 *   sending it any. It does not depend on leadership: every replica serves webhooks.
 */
export function httpHandler(deps: AppDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method !== "GET" || (path !== "/metrics" && path !== "/readyz")) return false;
    if (path === "/metrics") {
      const body = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType });
      res.end(body);
      return true;
    }
    const stopping = deps.shutdown.signal.aborted;
    res.writeHead(stopping ? 503 : 200, { "content-type": "text/plain" });
    res.end(stopping ? "stopping\n" : "ready\n");
    return true;
  };
}
