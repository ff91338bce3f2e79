import { KubeConfig } from "@kubernetes/client-node";
import type { ServerConfig } from "../config/index.js";
import { CapstanError } from "../errors.js";
import { ObjectClient } from "./object-client.js";

/** A connection to one named cluster. */
export interface ClusterClient {
  name: string;
  config: KubeConfig;
  objects: ObjectClient;
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
  return clientFor(name, config);
}

/**
 * Connects with a kubeconfig file, as the CLI's `--kubeconfig` and `--context` name it.
 *
 * @throws CapstanError when the file cannot be read or the context does not exist
 */
export function connectKubeconfig(path: string, context?: string): ClusterClient {
  const config = new KubeConfig();
  try {
    config.loadFromFile(path);
  } catch (err) {
    throw new CapstanError(`cannot load the kubeconfig ${path}: ${(err as Error).message}`);
  }
  if (context) {
    if (!config.getContexts().some((c) => c.name === context))
      throw new CapstanError(`the kubeconfig ${path} has no context "${context}"`);
    config.setCurrentContext(context);
  }
  if (!config.getCurrentCluster()) throw new CapstanError(`the kubeconfig ${path} names no current cluster`);
  return clientFor(context ?? config.getCurrentContext(), config);
}

/** A client for an already loaded kubeconfig. */
export function clientFor(name: string, config: KubeConfig): ClusterClient {
  return { name, config, objects: ObjectClient.forConfig(config) };
}
