import { KubeConfig, KubernetesObjectApi } from "@kubernetes/client-node";
import type { ServerConfig } from "../config/index.js";
import { CapstanError } from "../errors.js";

/** A connection to one named cluster. */
export interface ClusterClient {
  name: string;
  config: KubeConfig;
  objects: KubernetesObjectApi;
}

/**
 * Connects to a cluster the server config names: its kubeconfig (and context), or the service account
 * Capstan runs as.
 *
 * @throws CapstanError when the name is unknown or the kubeconfig cannot be used
 */
export function connect(server: ServerConfig, name: string): ClusterClient {
  const cluster = server.clusters[name];
  if (!cluster) throw new CapstanError(`no cluster named "${name}" in the server config`);
  const config = new KubeConfig();
  try {
    if ("inCluster" in cluster) {
      config.loadFromCluster();
    } else {
      config.loadFromFile(cluster.kubeconfig);
      if (cluster.context) config.setCurrentContext(cluster.context);
    }
  } catch (err) {
    throw new CapstanError(`cluster "${name}": cannot load its credentials: ${(err as Error).message}`);
  }
  return { name, config, objects: KubernetesObjectApi.makeApiClient(config) };
}
