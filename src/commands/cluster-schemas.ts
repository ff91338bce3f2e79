import { CrdSchemaSource, connectKubeconfig } from "../cluster/index.js";
import type { SchemaSource } from "../flows/preview.js";

/** Where the CLI reads custom resource schemas: one kubeconfig, and one of its contexts. */
export interface KubeconfigOption {
  kubeconfig: string;
  context?: string;
}

/**
 * Custom resource schemas read, as the App reads them, from the cluster of a kubeconfig: every
 * environment that names a cluster is checked against this one. A cluster that cannot be reached costs
 * the custom resources their validation (a notice says why), never the command.
 */
export function kubeconfigSchemas(option: KubeconfigOption | undefined): SchemaSource | undefined {
  if (!option) return undefined;
  let client: ReturnType<typeof connectKubeconfig> | undefined;
  const source = new CrdSchemaSource(() => {
    client ??= connectKubeconfig(option.kubeconfig, option.context);
    return client;
  });
  return (cluster, gvks) => source.lookup(cluster, gvks);
}
