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
  // The cluster code (client-node) loads on the first lookup only: a command without custom resources
  // to validate does not pay its start-up time and memory.
  let source: Promise<SchemaSource> | undefined;
  const load = async (): Promise<SchemaSource> => {
    const { CrdSchemaSource, connectKubeconfig } = await import("../cluster/index.js");
    let client: ReturnType<typeof connectKubeconfig> | undefined;
    const crds = new CrdSchemaSource(() => {
      client ??= connectKubeconfig(option.kubeconfig, option.context);
      return client;
    });
    return (cluster, gvks) => crds.lookup(cluster, gvks);
  };
  return async (cluster, gvks) => {
    source ??= load();
    return (await source)(cluster, gvks);
  };
}
