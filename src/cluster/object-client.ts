import {
  type Configuration,
  HttpMethod,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  type ResponseContext,
} from "@kubernetes/client-node";
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

  /**
   * The URL path of an object, or of its collection for `create` and `list`. client-node lowercases the
   * whole path, which breaks any name with capitals (valid for RBAC objects, PodDisruptionBudgets and
   * more: their names are path segments): only the resource's plural is lowercase by definition, and
   * names and namespaces are sent as written, so the apiserver judges them and says why if it refuses.
   */
  protected override async specUriPath(spec: KubernetesObject, action: string): Promise<string> {
    if (!spec.kind) throw new Error("Required spec property kind is not set");
    spec.apiVersion ||= "v1";
    spec.metadata ??= {};
    const resource = await this.resource(spec.apiVersion, spec.kind);
    if (!resource) throw new Error(`Unrecognized API version and kind: ${spec.apiVersion} ${spec.kind}`);
    if (resource.namespaced && !spec.metadata.namespace && action !== "list")
      spec.metadata.namespace = this.defaultNamespace;
    const parts = [this.apiVersionPath(spec.apiVersion)];
    if (resource.namespaced && spec.metadata.namespace)
      parts.push("namespaces", encodeURIComponent(spec.metadata.namespace));
    parts.push(resource.name);
    if (action !== "create" && action !== "list") {
      if (!spec.metadata.name) throw new Error("Required spec property name is not set");
      parts.push(encodeURIComponent(spec.metadata.name));
    }
    return parts.join("/");
  }

  /**
   * Patches with the object sent as written. client-node's own `patch` serializes the body through its
   * generated models, which drop every field they name differently (`from` is `_from`, `default` is
   * `_default`, `x-kubernetes-*`…) or do not know (newer fields, custom resources that share a built-in
   * kind's name): a NetworkPolicy would lose its `from` rules.
   */
  override async patch<T extends KubernetesObject>(
    spec: T,
    pretty?: string,
    dryRun?: string,
    fieldManager?: string,
    force?: boolean,
    patchStrategy: PatchStrategy = PatchStrategy.StrategicMergePatch,
    options?: Configuration,
  ): Promise<T> {
    const config = options ?? this.configuration;
    const context = config.baseServer.makeRequestContext(
      await this.specUriPath(spec, "patch"),
      HttpMethod.PATCH,
    );
    context.setHeaderParam("Accept", "application/json");
    context.setHeaderParam("Content-Type", patchStrategy);
    if (pretty !== undefined) context.setQueryParam("pretty", pretty);
    if (dryRun !== undefined) context.setQueryParam("dryRun", dryRun);
    if (fieldManager !== undefined) context.setQueryParam("fieldManager", fieldManager);
    if (force !== undefined) context.setQueryParam("force", String(force));
    context.setBody(JSON.stringify(spec));
    return this.requestPromise<T>(context, undefined, options);
  }

  /**
   * Every answer as the apiserver sent it, for the same reason: the models would rename and drop fields
   * of live objects, and comparisons, health rules and diffs read the API's own field names.
   */
  protected override async processResponse<T extends KubernetesObject>(
    response: ResponseContext,
    type?: string,
  ): Promise<T> {
    if (response.httpStatusCode < 200 || response.httpStatusCode > 299)
      return super.processResponse(response, type);
    const text = await response.body.text();
    return (text ? JSON.parse(text) : {}) as T;
  }
}

/** The URL path of a resource's collection, in one namespace or cluster-wide. */
export function collectionPath(resource: ResourceInfo, namespace?: string | null): string {
  const prefix = resource.apiVersion.includes("/")
    ? `/apis/${resource.apiVersion}`
    : `/api/${resource.apiVersion}`;
  return resource.namespaced && namespace
    ? `${prefix}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}`
    : `${prefix}/${resource.plural}`;
}
