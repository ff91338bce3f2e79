import { createHash } from "node:crypto";
import { PatchStrategy } from "@kubernetes/client-node";
import {
  DRIFT_ANNOTATION,
  type DriftFinding,
  type DriftIgnore,
  desiredForDrift,
  hpaTargets,
  objectDrift,
} from "../drift/index.js";
import { compareRefs, type KubeObject, type Manifest, refKey } from "../manifests/index.js";
import { type Owner, withMembership } from "./applyset.js";
import type { ClusterClient } from "./connect.js";
import { isNotFound, ObjectError } from "./errors.js";
import { FIELD_MANAGER } from "./field-manager.js";
import { readEnvironmentSet } from "./members.js";
import { objectHeader } from "./object-header.js";
import { environmentApplySetId } from "./parent.js";
import { resolveScopes } from "./scope.js";

/** What one drift check found, and what it cost. */
export interface DriftCheck {
  /** The revision the environment last synced, which the objects were compared with. */
  revision?: string;
  findings: DriftFinding[];
  /** Objects the cluster would not read or dry-run; the others are still judged. */
  errors: ObjectError[];
  /** Requests sent: one list per kind, and a dry run per object whose live version or desired text changed. */
  requests: { lists: number; dryRuns: number; reads: number };
}

/**
 * Dry-run results kept between checks, by live resourceVersion and desired hash: an environment nobody
 * touched costs its list calls and nothing per object.
 */
export type DriftCache = Map<string, DriftFinding[]>;

/**
 * Compares an environment's live objects with the revision it last synced (`manifests`, rendered from
 * that revision, never the branch head):
 * - its ApplySet members are listed once per kind;
 * - each desired object is dry-run with server-side apply onto its live version (with force: a dry run
 *   writes nothing, and the result is exactly what a heal would make), so defaults and webhook-injected
 *   fields are on both sides;
 * - `missing` for desired objects that are gone, `extraneous` for members no longer desired.
 * An object annotated `capstan.dev/drift: ignore` is left out.
 */
export async function checkDrift(
  cluster: ClusterClient,
  manifests: readonly Manifest[],
  environment: { name: string; namespace: string; ignore: readonly DriftIgnore[]; owner?: Owner },
  cache: DriftCache = new Map(),
): Promise<DriftCheck> {
  const set = await readEnvironmentSet(cluster, environment.name, environment.namespace);
  const requests = { lists: 1 + set.groupKinds.length, dryRuns: 0, reads: 0 };
  const scoped = await resolveScopes(cluster, manifests);
  const desired = withMembership(
    scoped,
    environmentApplySetId(environment.name, environment.namespace),
    environment.owner,
  );
  const scaled = hpaTargets(desired.map((m) => m.object));
  const live = new Map(set.members.map((m) => [refKey(m.ref), m]));
  const findings: DriftFinding[] = [];
  const errors: ObjectError[] = [];
  const pending: Array<{
    m: (typeof desired)[number];
    object: KubeObject;
    key: string;
    listed: Record<string, unknown>;
    header: string;
  }> = [];
  for (const m of desired) {
    const member = live.get(refKey(m.ref));
    live.delete(refKey(m.ref));
    if (!member) {
      findings.push({ change: "missing", ref: m.ref });
      continue;
    }
    if (member.annotations?.[DRIFT_ANNOTATION] === "ignore") continue;
    // The resourceVersion is the same at every version the object is served at, so the cache key is
    // known from the list; the fields taken live are the same at every version too.
    const listed = member.object as Record<string, unknown>;
    const object = desiredForDrift(m.object, scaled, listed);
    const key = `${refKey(m.ref)}@${resourceVersionOf(listed)}#${hash(object)}`;
    const cached = cache.get(key);
    if (cached) findings.push(...cached);
    else pending.push({ m, object, key, listed, header: member.header.apiVersion });
  }
  // Dry runs go a few at a time, like the sync's applies: one connection each, none waiting on another.
  for (let i = 0; i < pending.length; i += DRY_RUN_CONCURRENCY) {
    await Promise.all(
      pending.slice(i, i + DRY_RUN_CONCURRENCY).map(async ({ m, object, key, listed, header }) => {
        try {
          // Listed at the group's preferred version; compared at the version the revision writes.
          let current = listed;
          if (header !== object.apiVersion) {
            requests.reads++;
            current = (await cluster.objects.read(objectHeader(m))) as unknown as Record<string, unknown>;
          }
          requests.dryRuns++;
          const applied = (await cluster.objects.patch(
            object as never,
            undefined,
            "All",
            FIELD_MANAGER,
            true,
            PatchStrategy.ServerSideApply,
          )) as unknown as Record<string, unknown>;
          // The object changed between the list and the dry run (a controller wrote its status or an
          // annotation): the dry run shows the newer version, so compare it with that one.
          if (resourceVersionOf(applied) !== resourceVersionOf(current)) {
            requests.reads++;
            current = (await cluster.objects.read(objectHeader(m))) as unknown as Record<string, unknown>;
          }
          const found = objectDrift(
            { ref: m.ref, live: current, applied },
            environment.ignore,
            FIELD_MANAGER,
          );
          cache.set(key, found);
          findings.push(...found);
        } catch (err) {
          if (isNotFound(err)) findings.push({ change: "missing", ref: m.ref });
          else errors.push(new ObjectError(m.ref, "dry-run", err));
        }
      }),
    );
  }
  for (const member of live.values()) {
    if (member.annotations?.[DRIFT_ANNOTATION] === "ignore") continue;
    findings.push({ change: "extraneous", ref: member.ref });
  }
  findings.sort((a, b) => compareRefs(a.ref, b.ref) || a.change.localeCompare(b.change));
  return { revision: set.revision, findings, errors, requests };
}

const DRY_RUN_CONCURRENCY = 8;

function resourceVersionOf(object: Record<string, unknown>): string | undefined {
  return (object.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
}

function hash(object: KubeObject): string {
  return createHash("sha256").update(JSON.stringify(object)).digest("hex").slice(0, 16);
}
