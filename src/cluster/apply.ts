import { PatchStrategy } from "@kubernetes/client-node";
import { deepEqual } from "../diff/index.js";
import { type KubeObject, type Manifest, normalize, type ObjectRef, refKey } from "../manifests/index.js";
import { type AppliedRecord, appliedHash, holds } from "./applied-record.js";
import { APPLYSET, cascades, OWNER } from "./applyset.js";
import type { ClusterClient } from "./connect.js";
import { isImmutableError, isNotFound, ObjectError } from "./errors.js";
import { FIELD_MANAGER } from "./field-manager.js";
import { listGroups } from "./list-groups.js";
import { objectHeader } from "./object-header.js";
import { syncSteps } from "./order.js";

/** What applying did to one object. */
export type ApplyAction =
  /** The object did not exist and was created. */
  | "created"
  /** The object existed and was changed. */
  | "configured"
  /** Applying would change nothing, so nothing was written. */
  | "unchanged"
  /** The cluster refused it; see `error`. */
  | "failed";

/** One object's outcome. */
export interface ApplyResult {
  ref: ObjectRef;
  action: ApplyAction;
  error?: ObjectError;
  /** The hash of what was applied (or found already applied), for the parent's record. */
  hash?: string;
}

/** Options for {@link applyObjects}. */
export interface ApplyOptions {
  /** How many objects of one step are applied at once. */
  concurrency: number;
  /** How long to wait for a CRD to be Established before its custom resources are applied. */
  crdTimeoutMs: number;
  /**
   * Only ask the apiserver (`dryRun=All`): the results say what a real apply would do and nothing is
   * written. Objects in a Namespace, or of a CRD, that the same apply would create cannot be checked
   * before those exist; they are reported as created.
   */
  dryRun?: boolean;
  /** For a dry run: namespaces that do not exist yet but that a real sync creates before applying. */
  creates?: readonly string[];
  /** What was last applied (from the environment's parent), so unchanged objects need no request. */
  applied?: AppliedRecord;
  /** Aborted when applying must stop (the sync's lease was lost): the objects not yet sent fail. */
  signal?: AbortSignal;
  /** Called with each object's outcome as soon as it is known. */
  onResult?: (result: ApplyResult) => void;
}

/** Defaults for {@link ApplyOptions}. */
export function defaultApplyOptions(): ApplyOptions {
  return { concurrency: 8, crdTimeoutMs: 30_000 };
}

/** The annotation an object carries to be deleted and recreated when a change touches an immutable field. */
export const RECREATE_ANNOTATION = "capstan.dev/recreate";

/**
 * Applies objects with server-side apply (field manager `capstan`, force), step by step (Namespaces and
 * CRDs, then each wave), in parallel within a step. An object whose dry-run matches the live object is not
 * written, so a sync that changes nothing moves no resourceVersion. A change to an immutable field is
 * reported as a failure naming the object and the field, unless the object opts in to being recreated.
 * A failed object does not stop the others.
 */
export async function applyObjects(
  cluster: ClusterClient,
  manifests: readonly Manifest[],
  options: ApplyOptions = defaultApplyOptions(),
): Promise<ApplyResult[]> {
  const results: ApplyResult[] = [];
  const dryRun = options.dryRun ?? false;
  // What a dry run would create and so cannot ask the apiserver about yet: namespaces and CRD kinds.
  const pending = new Set<string>((options.creates ?? []).map((n) => `ns:${n}`));
  for (const step of syncSteps(manifests)) {
    const live = await readLive(cluster, step, options.concurrency);
    for (let i = 0; i < step.length; i += options.concurrency) {
      const batch = await Promise.all(
        step
          .slice(i, i + options.concurrency)
          .map((m) =>
            options.signal?.aborted
              ? notSent(m, options.signal)
              : dryRun && dependsOnPending(m, pending)
                ? { ref: m.ref, action: "created" as const }
                : applyOne(
                    cluster,
                    m,
                    live.get(m),
                    dryRun,
                    options.applied?.get(refKey(m.ref)),
                    options.signal,
                  ),
          ),
      );
      for (const result of batch) {
        results.push(result);
        options.onResult?.(result);
      }
    }
    const crds = step.filter(
      (m) =>
        m.ref.kind === "CustomResourceDefinition" &&
        results.some((r) => r.ref === m.ref && r.action !== "failed"),
    );
    if (dryRun) {
      for (const m of step) {
        const created = results.some((r) => r.ref === m.ref && r.action === "created");
        if (created && m.ref.kind === "Namespace" && m.ref.group === "") pending.add(`ns:${m.ref.name}`);
        if (created && crds.includes(m)) pending.add(`crd:${crdKind(m)}`);
      }
      continue;
    }
    for (const crd of crds) {
      const problem = await waitEstablished(cluster, crd, options.crdTimeoutMs);
      if (!problem) continue;
      // Its custom resources will fail on their own; the CRD's result says why.
      const index = results.findIndex((r) => r.ref === crd.ref);
      results[index] = { ref: crd.ref, action: "failed", error: new ObjectError(crd.ref, "apply", problem) };
    }
    // The kinds these CRDs serve (or stopped serving) must be discovered afresh.
    if (crds.length > 0) cluster.objects.forgetDiscovery();
  }
  return results;
}

// The live state of a step's objects: absent (undefined), present, or an error reading it. One list per
// kind and namespace instead of a read per object; a kind that cannot be listed is read object by object.
async function readLive(
  cluster: ClusterClient,
  step: readonly Manifest[],
  concurrency: number,
): Promise<Map<Manifest, KubeObject | ObjectError | undefined>> {
  const live = new Map<Manifest, KubeObject | ObjectError | undefined>();
  const oneByOne: Manifest[] = [];
  for (const members of listGroups(step)) {
    const first = members[0]!;
    // A single object is cheaper to read than its kind is to list.
    if (members.length === 1) {
      oneByOne.push(first);
      continue;
    }
    try {
      const list = await cluster.objects.list(
        first.object.apiVersion,
        first.ref.kind,
        first.ref.namespace ?? undefined,
      );
      // List items carry no apiVersion and kind; a read object does, and comparisons expect them.
      const header = { apiVersion: first.object.apiVersion, kind: first.ref.kind };
      const byName = new Map(
        list.items.map((item) => [
          item.metadata?.name ?? "",
          { ...item, ...header } as unknown as KubeObject,
        ]),
      );
      for (const m of members) live.set(m, byName.get(m.ref.name));
    } catch {
      oneByOne.push(...members);
    }
  }
  for (let i = 0; i < oneByOne.length; i += concurrency) {
    await Promise.all(
      oneByOne.slice(i, i + concurrency).map(async (m) => {
        try {
          live.set(m, (await cluster.objects.read(objectHeader(m))) as unknown as KubeObject);
        } catch (err) {
          live.set(m, isNotFound(err) ? undefined : new ObjectError(m.ref, "read", err));
        }
      }),
    );
  }
  return live;
}

function notSent(m: Manifest, signal: AbortSignal): ApplyResult {
  const reason = new Error(`not sent: ${String(signal.reason)}`);
  return { ref: m.ref, action: "failed", error: new ObjectError(m.ref, "apply", reason) };
}

function crdKind(crd: Manifest): string {
  const spec = crd.object.spec as { group?: string; names?: { kind?: string } } | undefined;
  return `${spec?.group ?? ""}/${spec?.names?.kind ?? ""}`;
}

function dependsOnPending(m: Manifest, pending: ReadonlySet<string>): boolean {
  return (
    (m.ref.namespace !== null && pending.has(`ns:${m.ref.namespace}`)) ||
    pending.has(`crd:${m.ref.group}/${m.ref.kind}`)
  );
}

async function applyOne(
  cluster: ClusterClient,
  m: Manifest,
  live: KubeObject | ObjectError | undefined,
  dryRun: boolean,
  lastHash: string | undefined,
  signal: AbortSignal | undefined,
): Promise<ApplyResult> {
  if (live instanceof ObjectError) return { ref: m.ref, action: "failed", error: live };
  const taken = claimedElsewhere(m.object, live);
  if (taken)
    return { ref: m.ref, action: "failed", error: new ObjectError(m.ref, "apply", new Error(taken)) };
  const hash = appliedHash(m.object);
  // Applied exactly so before, and every value sent is still live: applying again would change nothing.
  if (live && lastHash === hash && holds(live, m.object)) return { ref: m.ref, action: "unchanged", hash };
  try {
    // A new object needs no comparison, so a real apply creates it straight away.
    if (live || dryRun) {
      const planned = (await apply(cluster, m, true)) as KubeObject;
      if (live && deepEqual(normalize(planned), normalize(live)))
        return { ref: m.ref, action: "unchanged", hash };
    }
    if (!dryRun) await apply(cluster, m, false);
    return { ref: m.ref, action: live ? "configured" : "created", hash };
  } catch (err) {
    const recreate = m.object.metadata.annotations?.[RECREATE_ANNOTATION] === "true";
    const cascade = cascades(m.ref);
    if (live && isImmutableError(err) && recreate && cascade) {
      const error = new ObjectError(m.ref, "apply", err);
      error.message += `; not recreated, since ${cascade}`;
      return { ref: m.ref, action: "failed", error };
    }
    if (live && isImmutableError(err) && recreate && dryRun) return { ref: m.ref, action: "configured" };
    if (live && isImmutableError(err) && recreate) {
      // A sync that lost its lease deletes nothing.
      if (signal?.aborted) return notSent(m, signal);
      try {
        await cluster.objects.delete(
          objectHeader(m) as never,
          undefined,
          undefined,
          undefined,
          undefined,
          "Foreground",
        );
        await waitGone(cluster, m);
        await apply(cluster, m, false);
        return { ref: m.ref, action: "configured", hash };
      } catch (again) {
        return { ref: m.ref, action: "failed", error: new ObjectError(m.ref, "apply", again) };
      }
    }
    return { ref: m.ref, action: "failed", error: new ObjectError(m.ref, "apply", err) };
  }
}

// Why a live object is not ours to write: it is a member of another ApplySet (another environment's or
// another repository's), or a Namespace another repository owns. Force-applying would take it over.
function claimedElsewhere(desired: KubeObject, live: KubeObject | undefined): string | undefined {
  const have = live?.metadata.labels ?? {};
  const want = desired.metadata.labels ?? {};
  const set = have[APPLYSET.partOf];
  if (set !== undefined && set !== want[APPLYSET.partOf])
    return `it belongs to another ApplySet (${APPLYSET.partOf}=${set}): another environment or repository applies it; not taken over`;
  const owner = have[OWNER.id];
  if (owner !== undefined && owner !== want[OWNER.id])
    return `it belongs to another repository (${OWNER.id}=${owner}); not taken over`;
  return undefined;
}

function apply(cluster: ClusterClient, m: Manifest, dryRun: boolean) {
  return cluster.objects.patch(
    m.object as never,
    undefined,
    dryRun ? "All" : undefined,
    FIELD_MANAGER,
    true,
    PatchStrategy.ServerSideApply,
  );
}

// Undefined once the CRD is Established; otherwise why it is not.
async function waitEstablished(
  cluster: ClusterClient,
  crd: Manifest,
  timeoutMs: number,
): Promise<Error | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const live = (await cluster.objects.read(objectHeader(crd))) as unknown as {
        status?: { conditions?: Array<{ type?: string; status?: string }> };
      };
      if (live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True"))
        return undefined;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return last instanceof Error ? last : new Error(`not Established after ${timeoutMs / 1000} s`);
}

async function waitGone(cluster: ClusterClient, m: Manifest): Promise<void> {
  for (let i = 0; i < 150; i++) {
    try {
      await cluster.objects.read(objectHeader(m));
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // Applying now would hit the object being deleted; it would then be gone with nothing in its place.
  throw new Error("still being deleted after 30 s (a finalizer may hold it); not recreated");
}
