// One object's drift: what differs between the live object and the synced revision, which of it counts,
// and who wrote it. Pure: the cluster adapter supplies the live object and the dry-run result.
import type { z } from "zod";
import type { driftIgnoreSchema } from "../config/schema.js";
import { groupOf, isRecord, type KubeObject, maskSecretPair, type ObjectRef } from "../manifests/index.js";
import { changedPaths, formatPath, toPointer, valueAt } from "./compare.js";
import {
  type FieldWriter,
  managedEntries,
  ownedFields,
  type PathSegment,
  writersOf,
} from "./managed-fields.js";

/** An object opts out of drift detection with `capstan.dev/drift: ignore`. */
export const DRIFT_ANNOTATION = "capstan.dev/drift";

/**
 * Managers whose writes are the cluster working as designed, never drift: the controllers set fields
 * (a Deployment's revision annotation, a Service's cluster IP, an HPA's replica count through `/scale`).
 */
export const TRUSTED_MANAGERS: readonly string[] = [
  "kube-controller-manager",
  "kube-scheduler",
  "kubelet",
  "kube-apiserver",
  "cluster-autoscaler",
  "vpa-recommender",
  "vpa-updater",
];

/** A `drift.ignore` rule of the environment's config. */
export type DriftIgnore = z.output<typeof driftIgnoreSchema>;

/** A field that drifted, and the last tool that wrote it (from `managedFields`: a tool, not a person). */
export interface DriftedField {
  path: string;
  writer?: FieldWriter;
  /**
   * For a drifted field: the value live and the value the synced revision sets, as one-line YAML-ish
   * text (`undefined` when absent on that side). A Secret's values read `***`, as in previews.
   */
  live?: string;
  revision?: string;
}

/** How one object differs from the synced revision. */
export type DriftFinding =
  /** Live fields differ from what the synced revision sets. */
  | { change: "modified"; ref: ObjectRef; fields: DriftedField[] }
  /** The synced revision has the object; the cluster does not. */
  | { change: "missing"; ref: ObjectRef }
  /** A member of the environment's ApplySet that the synced revision no longer has. */
  | { change: "extraneous"; ref: ObjectRef }
  /** Fields another tool added beside Capstan's; shown for information, never healed by default. */
  | { change: "foreign-additions"; ref: ObjectRef; fields: DriftedField[] };

/** What the cluster adapter found for one desired object that exists live. */
export interface ObjectComparison {
  ref: ObjectRef;
  live: Record<string, unknown>;
  /** The server-side apply dry run of `desired` onto `live`: what a heal would make of it. */
  applied: Record<string, unknown>;
}

/**
 * The desired object with the fields that are not Capstan's to hold taken as they are live, so the dry
 * run neither changes nor drops them (dropping a field Capstan applied before would remove it): the
 * `spec.replicas` of a workload an HPA scales, CA bundles injected at run time, and the rules of an
 * aggregated ClusterRole, which its controller fills in.
 */
export function desiredForDrift(
  object: KubeObject,
  scaledByHpa: ReadonlySet<string>,
  live: Record<string, unknown>,
): KubeObject {
  const copy = structuredClone(object) as KubeObject & Record<string, unknown>;
  const group = groupOf(copy.apiVersion);
  const paths: PathSegment[][] = [];
  if (scaledByHpa.has(workloadKey(copy))) paths.push(["spec", "replicas"]);
  if (group === "admissionregistration.k8s.io" && Array.isArray(copy.webhooks))
    for (let i = 0; i < copy.webhooks.length; i++) paths.push(["webhooks", i, "clientConfig", "caBundle"]);
  if (group === "apiregistration.k8s.io") paths.push(["spec", "caBundle"]);
  if (group === "apiextensions.k8s.io")
    paths.push(["spec", "conversion", "webhook", "clientConfig", "caBundle"]);
  if (group === "rbac.authorization.k8s.io" && copy.kind === "ClusterRole" && isRecord(copy.aggregationRule))
    paths.push(["rules"]);
  for (const path of paths) takeLive(copy, live, path);
  return copy;
}

// Sets `path` of `target` to its live value, or removes it when the live object has none.
function takeLive(target: Record<string, unknown>, live: unknown, path: readonly PathSegment[]): void {
  let node: unknown = target;
  for (const segment of path.slice(0, -1)) {
    const next = (node as Record<string | number, unknown>)[segment];
    if (!isRecord(next) && !Array.isArray(next)) return; // the desired object does not reach that far
    node = next;
  }
  const last = path.at(-1)!;
  const value = valueAt(live, path);
  if (value === undefined) delete (node as Record<string | number, unknown>)[last];
  else (node as Record<string | number, unknown>)[last] = structuredClone(value);
}

/** The workloads HPAs of these objects scale, as `group/Kind/namespace/name`. */
export function hpaTargets(objects: readonly KubeObject[]): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    if (o.kind !== "HorizontalPodAutoscaler" || !isRecord(o.spec)) continue;
    const target = o.spec.scaleTargetRef;
    if (!isRecord(target) || typeof target.kind !== "string" || typeof target.name !== "string") continue;
    const apiVersion = typeof target.apiVersion === "string" ? target.apiVersion : "apps/v1";
    out.add(`${groupOf(apiVersion)}/${target.kind}/${o.metadata.namespace ?? ""}/${target.name}`);
  }
  return out;
}

function workloadKey(o: KubeObject): string {
  return `${groupOf(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

/**
 * An existing object's drift: `modified` for every field a heal would change (unless an ignore rule,
 * a trusted manager or a subresource write covers it), and `foreign-additions` for fields other tools
 * added. Each field names its last writer.
 */
export function objectDrift(
  c: ObjectComparison,
  rules: readonly DriftIgnore[],
  manager: string,
): DriftFinding[] {
  const findings: DriftFinding[] = [];
  const ignored = (path: readonly PathSegment[]) => isIgnored(c.ref, path, rules);
  const fields: DriftedField[] = [];
  // Values are read from masked copies: a Secret's drift names its keys, never their contents.
  const [live, applied] = maskSecretPair(c.live as KubeObject, c.applied as KubeObject) as [
    Record<string, unknown>,
    Record<string, unknown>,
  ];
  for (const path of changedPaths(c.live, c.applied)) {
    if (ignored(path)) continue;
    // A field only trusted controllers or subresource writers hold is the cluster at work.
    const writers = writersOf(c.live, path).filter((w) => w.manager !== manager);
    if (writers.length > 0 && writers.every((w) => TRUSTED_MANAGERS.includes(w.manager) || w.subresource))
      continue;
    const shownOn = valueAt(c.live, path) === undefined ? c.applied : c.live;
    fields.push({
      path: formatPath(shownOn, path),
      writer: writers[0] ?? lastOtherWriter(c.live, manager),
      ...shown("live", valueAt(live, path)),
      ...shown("revision", valueAt(applied, path)),
    });
  }
  if (fields.length > 0) findings.push({ change: "modified", ref: c.ref, fields });
  const ours = new Set(
    managedEntries(c.live)
      .filter((e) => e.manager === manager)
      .flatMap(ownedFields),
  );
  const drifted = new Set(fields.map((f) => f.path));
  const added: DriftedField[] = [];
  for (const entry of managedEntries(c.live)) {
    if (entry.manager === manager || entry.subresource || TRUSTED_MANAGERS.includes(entry.manager)) continue;
    if (entry.operation !== "Update") continue;
    for (const path of ownedFields(entry)) {
      if (ours.has(path) || drifted.has(path) || path.startsWith("metadata.managedFields")) continue;
      const { fields: _fields, ...writer } = entry;
      added.push({ path, writer });
    }
  }
  if (added.length > 0) findings.push({ change: "foreign-additions", ref: c.ref, fields: added });
  return findings;
}

// Values shown in a drift report are cut to one short line: the field path says where, this says what.
const MAX_VALUE = 200;

function shown(side: "live" | "revision", value: unknown): Partial<DriftedField> {
  if (value === undefined) return {};
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return { [side]: text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text };
}

// A field that is gone has no owner left: the last tool other than Capstan that wrote the object did it.
function lastOtherWriter(live: unknown, manager: string): FieldWriter | undefined {
  const others = managedEntries(live)
    .filter((e) => e.manager !== manager && !e.subresource && !TRUSTED_MANAGERS.includes(e.manager))
    .sort((a, b) => (b.time ?? "").localeCompare(a.time ?? ""));
  if (others.length === 0) return undefined;
  const { fields: _fields, ...writer } = others[0]!;
  return writer;
}

/** Whether a `drift.ignore` rule covers a path of an object (the path or one of its parents). */
export function isIgnored(
  ref: ObjectRef,
  path: readonly PathSegment[],
  rules: readonly DriftIgnore[],
): boolean {
  const pointer = toPointer(path);
  return rules.some(
    (rule) =>
      (!rule.target?.kind || rule.target.kind === ref.kind) &&
      (!rule.target?.name || rule.target.name === ref.name) &&
      (!rule.target?.namespace || rule.target.namespace === ref.namespace) &&
      rule.paths.some((p) => pointer === p || pointer.startsWith(`${p}/`)),
  );
}
