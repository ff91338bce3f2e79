import { type KubeConfig, KubernetesObjectApi } from "@kubernetes/client-node";
import { apiClient } from "./api-client.js";

/** Where a kind is served: its resource (plural) name and whether it is namespaced. */
export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

/**
 * client-node's generic object API with its discovery made usable: the resource list of each API version
 * is fetched once and cached (client-node's own cache, shared with every object call), a kind missing
 * from the cache is looked up again, and `forgetDiscovery` drops everything after CRDs change.
 */
export class ObjectClient extends KubernetesObjectApi {
  /** A client for a kubeconfig, with its context's namespace as the default. */
  static forConfig(config: KubeConfig): ObjectClient {
    const client = apiClient(config, ObjectClient);
    client.setDefaultNamespace(config);
    return client;
  }

  /** The resource serving `kind` at `apiVersion`, or `undefined` when the cluster does not serve it. */
  async discover(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const resource = await this.resource(apiVersion, kind);
    return resource && { apiVersion, kind, plural: resource.name, namespaced: resource.namespaced };
  }

  /** Forgets every discovered resource, so kinds that CRDs just added or changed are looked up again. */
  forgetDiscovery(): void {
    this.apiVersionResourceCache = {};
  }
}

/** The URL path of a resource's collection, in one namespace or cluster-wide. */
export function collectionPath(resource: ResourceInfo, namespace?: string | null): string {
  const prefix = resource.apiVersion.includes("/")
    ? `/apis/${resource.apiVersion}`
    : `/api/${resource.apiVersion}`;
  return resource.namespaced && namespace
    ? `${prefix}/namespaces/${namespace}/${resource.plural}`
    : `${prefix}/${resource.plural}`;
}
