// Drift state lives on the environment's ApplySet parent, beside what the last sync recorded: no database,
// and a restarted Capstan reads it back. It is written only on transitions, by a field manager of its own,
// so a sync's apply of the parent (manager `capstan`) neither conflicts with it nor removes it.
import { PatchStrategy } from "@kubernetes/client-node";
import type { DriftState } from "../drift/index.js";
import { OWNER } from "./applyset.js";
import type { ClusterClient } from "./connect.js";
import { environmentParent } from "./parent.js";

/** The field manager of the drift state's annotations. */
export const DRIFT_FIELD_MANAGER = "capstan-drift";

const KEYS = {
  since: "capstan.dev/drift-since",
  hash: "capstan.dev/drift-hash",
  confirmed: "capstan.dev/drift-confirmed",
  issue: "capstan.dev/drift-issue",
  revision: "capstan.dev/drift-revision",
  heal: "capstan.dev/drift-heals",
} as const;

/**
 * Reads an environment's drift state from its parent ConfigMap (empty when it has none). Given a
 * repository id, a parent that records another repository (or none) reads as empty: one repository
 * never learns about another's environments.
 */
export async function readDriftState(
  cluster: ClusterClient,
  environment: string,
  namespace: string,
  repositoryId?: number,
): Promise<DriftState> {
  const parent = environmentParent(environment, namespace);
  const live = (await cluster.objects.read({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: parent.name, namespace },
  })) as { metadata?: { annotations?: Record<string, string>; labels?: Record<string, string> } };
  if (repositoryId !== undefined && live.metadata?.labels?.[OWNER.id] !== String(repositoryId)) return {};
  return stateOf(live.metadata?.annotations ?? {});
}

/** The drift state that annotations record. */
export function stateOf(annotations: Record<string, string>): DriftState {
  const issue = Number(annotations[KEYS.issue]);
  return {
    ...(annotations[KEYS.since] ? { since: annotations[KEYS.since] } : {}),
    ...(annotations[KEYS.hash] ? { hash: annotations[KEYS.hash] } : {}),
    ...(annotations[KEYS.confirmed] === "true" ? { confirmed: true } : {}),
    ...(Number.isInteger(issue) && issue > 0 ? { issue } : {}),
    ...(annotations[KEYS.revision] ? { revision: annotations[KEYS.revision] } : {}),
    ...healOf(annotations[KEYS.heal]),
  };
}

// `2026-12-02 3 1 2026-12-02T10:00:00.000Z exhausted`: day, count, failures, then optional retry time and
// flag. Anything unreadable reads as no heals (the budget starts over; it never blocks forever).
function healOf(text: string | undefined): Pick<DriftState, "heal"> {
  const [day, count, failures, ...rest] = (text ?? "").split(" ");
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day) || !Number.isInteger(Number(count))) return {};
  const retryAt = rest.find((r) => /^\d{4}-/.test(r));
  return {
    heal: {
      day,
      count: Number(count),
      failures: Number(failures) || 0,
      ...(retryAt ? { retryAt } : {}),
      ...(rest.includes("exhausted") ? { exhausted: true } : {}),
    },
  };
}

/** The annotations that record a drift state (absent keys are removed by the apply). */
export function annotationsOf(state: DriftState): Record<string, string> {
  return {
    ...(state.since ? { [KEYS.since]: state.since } : {}),
    ...(state.hash ? { [KEYS.hash]: state.hash } : {}),
    ...(state.confirmed ? { [KEYS.confirmed]: "true" } : {}),
    ...(state.issue !== undefined ? { [KEYS.issue]: String(state.issue) } : {}),
    ...(state.revision ? { [KEYS.revision]: state.revision } : {}),
    ...(state.heal
      ? {
          [KEYS.heal]: [
            state.heal.day,
            state.heal.count,
            state.heal.failures,
            ...(state.heal.retryAt ? [state.heal.retryAt] : []),
            ...(state.heal.exhausted ? ["exhausted"] : []),
          ].join(" "),
        }
      : {}),
  };
}

/**
 * Records a drift state on the parent with server-side apply as {@link DRIFT_FIELD_MANAGER}: keys the
 * state no longer has are dropped, and nothing else of the parent is touched.
 */
export async function writeDriftState(
  cluster: ClusterClient,
  environment: string,
  namespace: string,
  state: DriftState,
): Promise<void> {
  const parent = environmentParent(environment, namespace);
  await cluster.objects.patch(
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: parent.name, namespace, annotations: annotationsOf(state) },
    } as never,
    undefined,
    undefined,
    DRIFT_FIELD_MANAGER,
    true,
    PatchStrategy.ServerSideApply,
  );
}

/** Whether two states record the same thing (a check that changes nothing writes nothing). */
export function sameState(a: DriftState, b: DriftState): boolean {
  return JSON.stringify(annotationsOf(a)) === JSON.stringify(annotationsOf(b));
}
