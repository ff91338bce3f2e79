import type { ClusterSchemas } from "../policy/index.js";
import type { ClusterClient } from "./connect.js";
import { asClusterError, isNotFound } from "./errors.js";

/** Bounds on what one lookup may cost the apiserver and the process. */
export interface CrdSchemaOptions {
  /** How long a CRD read from the cluster is used before it is read again (its generation checked). */
  freshMs: number;
  /** The most kinds one lookup resolves; the rest are left unvalidated, with a notice. */
  maxKinds: number;
  /** A lookup that takes longer gives up on the cluster for that preview. */
  timeoutMs: number;
  /** The most CRDs kept, over every cluster. */
  maxEntries: number;
}

/** Defaults for {@link CrdSchemaOptions}. */
export const defaultCrdSchemaOptions: CrdSchemaOptions = {
  freshMs: 30_000,
  maxKinds: 64,
  timeoutMs: 10_000,
  maxEntries: 512,
};

interface Entry {
  readAt: number;
  /** `uid/generation`: a new CRD under an old name, or a changed one, is a new key. */
  version: string;
  /** Served version name → openAPIV3Schema. */
  schemas: Map<string, Record<string, unknown>>;
}

/**
 * The schemas of custom resources as a cluster's apiserver serves them: for each `group/version/Kind`,
 * discovery names its resource, and the CRD `<plural>.<group>` holds the version's `openAPIV3Schema`.
 * CRDs are cached per cluster and name, keyed by uid and generation. Only what an apiserver served is
 * ever cached: CRDs a pull request brings are used for its own render and nowhere else.
 */
export class CrdSchemaSource {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clusterFor: (name: string) => ClusterClient,
    private readonly options: CrdSchemaOptions = defaultCrdSchemaOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The schemas of `gvks` (`group/version/Kind`) in a cluster. Never throws: a cluster that cannot be
   * read is said in `unavailable`, and each kind without a schema in `missing` with the reason.
   */
  async lookup(cluster: string, gvks: readonly string[]): Promise<ClusterSchemas> {
    const result: ClusterSchemas = { cluster, schemas: {}, clusterScoped: [], missing: {} };
    const wanted = [...new Set(gvks)];
    for (const gvk of wanted.slice(this.options.maxKinds))
      result.missing[gvk] = `was not asked: one preview looks up at most ${this.options.maxKinds} kinds`;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${this.options.timeoutMs / 1000} s`)),
        this.options.timeoutMs,
      );
    });
    try {
      const client = this.clusterFor(cluster);
      await Promise.race([
        Promise.all(wanted.slice(0, this.options.maxKinds).map((gvk) => this.resolve(client, gvk, result))),
        timeout,
      ]);
    } catch (err) {
      const reason = asClusterError(err, cluster)?.message ?? (err as Error).message;
      result.unavailable = `the CRDs of cluster ${cluster} could not be read (${reason})`;
      result.schemas = {};
      result.clusterScoped = [];
    } finally {
      clearTimeout(timer);
    }
    return result;
  }

  private async resolve(client: ClusterClient, gvk: string, result: ClusterSchemas): Promise<void> {
    const [group, version, kind] = gvk.split("/") as [string, string, string];
    // A group-version the cluster does not serve at all is a 404 of its discovery document.
    const resource = await client.objects.discover(`${group}/${version}`, kind).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (!resource) {
      result.missing[gvk] = "does not serve it";
      return;
    }
    if (!resource.namespaced) result.clusterScoped.push(gvk);
    const name = `${resource.plural}.${group}`;
    const entry = await this.entry(client, name);
    const schema = entry?.schemas.get(version);
    if (!entry) result.missing[gvk] = "serves it from an aggregated API, not a CRD";
    else if (!schema) result.missing[gvk] = `has no schema for ${version} in the CRD ${name}`;
    else result.schemas[gvk] = { key: `cluster:${client.name}:${name}:${entry.version}:${version}`, schema };
  }

  private async entry(client: ClusterClient, name: string): Promise<Entry | undefined> {
    const key = `${client.name}/${name}`;
    const cached = this.entries.get(key);
    if (cached && this.now() - cached.readAt < this.options.freshMs) return cached;
    let crd: CrdObject;
    try {
      crd = (await client.objects.read({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name },
      })) as unknown as CrdObject;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const version = `${crd.metadata?.uid}/${crd.metadata?.generation}`;
    if (cached?.version === version) {
      cached.readAt = this.now();
      return cached;
    }
    const schemas = new Map<string, Record<string, unknown>>();
    for (const v of crd.spec?.versions ?? []) {
      const openAPI = v.schema?.openAPIV3Schema;
      if (v.served && typeof v.name === "string" && openAPI && typeof openAPI === "object")
        schemas.set(v.name, openAPI);
    }
    const entry = { readAt: this.now(), version, schemas };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }
}

interface CrdObject {
  metadata?: { uid?: string; generation?: number };
  spec?: {
    versions?: Array<{
      name?: string;
      served?: boolean;
      schema?: { openAPIV3Schema?: Record<string, unknown> };
    }>;
  };
}
