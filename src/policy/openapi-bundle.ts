import { readdirSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/** The component schemas of one Kubernetes release, merged across group-versions (see scripts/openapi.sh). */
export interface SchemaBundle {
  /** The release the schemas come from, e.g. `v1.36.5`. */
  version: string;
  schemas: Record<string, Record<string, unknown>>;
  /** `group/version/Kind` → schema name, from `x-kubernetes-group-version-kind`. */
  kinds: Map<string, string>;
}

const DIR = new URL("./openapi/", import.meta.url);
const cache = new Map<string, SchemaBundle>();
let versions: string[] | undefined;

/** The Kubernetes minors that have a bundled schema, e.g. `["1.34", "1.35", "1.36"]`. */
export function bundledVersions(): string[] {
  versions ??= readdirSync(DIR)
    .map((f) => /^kubernetes-(1\.\d+)\.json\.gz$/.exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .sort((a, b) => minorOf(a) - minorOf(b));
  return versions;
}

/**
 * The schema bundle for a target Kubernetes minor: that release's, or the nearest one bundled when there
 * is none (`exact: false`), so a caller can say which version it validated against.
 */
export function loadBundle(kubeVersion: string): { bundle: SchemaBundle; exact: boolean } {
  const versions = bundledVersions();
  const target = minorOf(kubeVersion);
  const chosen = versions.reduce((best, v) =>
    Math.abs(minorOf(v) - target) < Math.abs(minorOf(best) - target) ? v : best,
  );
  let bundle = cache.get(chosen);
  if (!bundle) {
    const raw = JSON.parse(
      gunzipSync(readFileSync(new URL(`kubernetes-${chosen}.json.gz`, DIR))).toString("utf8"),
    ) as {
      version: string;
      schemas: Record<string, Record<string, unknown>>;
    };
    const kinds = new Map<string, string>();
    for (const [name, schema] of Object.entries(raw.schemas)) {
      const gvks = schema["x-kubernetes-group-version-kind"] as
        | Array<{ group: string; version: string; kind: string }>
        | undefined;
      // List kinds and option kinds share GVKs across groups; the first declaration is the real one.
      for (const g of gvks ?? [])
        if (!kinds.has(`${g.group}/${g.version}/${g.kind}`))
          kinds.set(`${g.group}/${g.version}/${g.kind}`, name);
    }
    bundle = { ...raw, kinds };
    cache.set(chosen, bundle);
  }
  return { bundle, exact: chosen === kubeVersion };
}

function minorOf(version: string): number {
  return Number(version.split(".")[1]);
}
