import { Agent } from "node:https";
import {
  type ApiType,
  type Configuration,
  createConfiguration,
  type KubeConfig,
  ServerConfiguration,
} from "@kubernetes/client-node";
import { CapstanError } from "../errors.js";

type RequestContext = Parameters<KubeConfig["applySecurityAuthentication"]>[0];

const pools = new WeakMap<KubeConfig, Agent>();

/**
 * An API client of any generated type (or {@link ObjectClient}) whose requests share keep-alive
 * connections. client-node gives every request an agent of its own, so each call would pay a new TLS
 * handshake with the apiserver; a sync of a thousand objects spends most of its time on that.
 */
export function apiClient<T extends ApiType>(config: KubeConfig, type: new (c: Configuration) => T): T {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new CapstanError("the kubeconfig names no current cluster");
  const auth = {
    getName: () => "capstan-pooled",
    applySecurityAuthentication: async (context: RequestContext) => {
      await config.applySecurityAuthentication(context);
      const fresh = context.getAgent();
      // Proxy agents and plain-HTTP agents are left alone: only a direct TLS agent is pooled.
      if (fresh?.constructor !== Agent) return;
      let pooled = pools.get(config);
      if (!pooled) {
        pooled = new Agent({ ...(fresh as Agent).options, keepAlive: true, maxSockets: 32 });
        pools.set(config, pooled);
      }
      context.setAgent(pooled);
    },
  };
  return new type(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: auth as unknown as KubeConfig },
    }),
  );
}
