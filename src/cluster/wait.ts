import { Watch } from "@kubernetes/client-node";
import {
  type EnvironmentHealth,
  environmentHealth,
  type HealthOptions,
  hasHealth,
  type LiveObject,
  settled,
} from "../health/index.js";
import { type Manifest, type ObjectRef, refKey } from "../manifests/index.js";
import type { ClusterClient } from "./connect.js";
import { collectionPath } from "./object-client.js";

/** Options for {@link waitForHealth}. */
export interface WaitOptions {
  /** Give up after this long and report what is still not Healthy. */
  timeoutMs: number;
  /** Stop as soon as any object is Degraded (default true). */
  failFast?: boolean;
  /** Watch only objects with these labels, e.g. the ApplySet's membership label. */
  labelSelector?: string;
  /** Delay before a dropped list or watch is started again. */
  retryMs?: number;
  /** Stops the wait early (the deploy lost its lease); the result says why in `lastError`. */
  signal?: AbortSignal;
  /** How verdicts are worded (termination messages are hidden unless the server config shows them). */
  health?: HealthOptions;
}

/** How a wait ended. */
export interface HealthWait extends EnvironmentHealth {
  /** The wait ran out of time before the verdict settled. */
  timedOut: boolean;
  durationMs: number;
  /** The last error of a list or watch, when one kept failing (the cluster went away…). */
  lastError?: string;
}

interface Group {
  apiVersion: string;
  kind: string;
  namespace: string | null;
  refs: ObjectRef[];
}

/**
 * Waits until the objects' combined health settles: Healthy (or Suspended), or, failing fast, Degraded.
 * Each kind and namespace is listed once and then watched from that list's resourceVersion, so the verdict
 * follows every change without polling; a dropped watch is listed and watched again. Objects whose kind
 * has no health are not waited for. On timeout every object that is not Healthy is in the result with
 * its reason.
 */
export async function waitForHealth(
  cluster: ClusterClient,
  objects: readonly Manifest[],
  options: WaitOptions,
): Promise<HealthWait> {
  const started = Date.now();
  const failFast = options.failFast ?? true;
  const groups = groupTargets(objects.filter((m) => hasHealth(m.object)));
  const expected = groups.flatMap((g) => g.refs);
  const live = new Map<string, LiveObject>();
  const listed = new Set<Group>();
  const aborts = new Set<AbortController>();
  let lastError: string | undefined;
  let stopped = false;

  return new Promise<HealthWait>((resolve) => {
    // Everything below runs in timer, abort and watch callbacks. client-node drops an exception thrown in
    // a watch callback without a word, and one thrown in a timer crashes the process and leaves this
    // promise unresolved, so each callback judges through judgeWait (which never throws) and records
    // anything else that goes wrong in lastError.
    const guard = (step: () => void) => {
      try {
        step();
      } catch (err) {
        lastError = errorText(err);
      }
    };
    const judge = () => {
      const judged = judgeWait(expected, live, options.health);
      if (judged.error) lastError = judged.error;
      return judged.health;
    };
    const finish = (timedOut: boolean) => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      for (const a of aborts) guard(() => a.abort());
      const health = judge();
      resolve({
        ...health,
        timedOut,
        durationMs: Date.now() - started,
        ...(lastError ? { lastError } : {}),
      });
    };
    const evaluate = () => {
      if (listed.size < groups.length) return;
      if (settled(judge().status, failFast)) finish(false);
    };
    const timer = setTimeout(() => finish(true), options.timeoutMs);
    options.signal?.addEventListener("abort", () => {
      lastError = `stopped: ${String(options.signal?.reason)}`;
      finish(false);
    });

    const follow = async (group: Group) => {
      const keys = new Set(group.refs.map(refKey));
      const keyOf = (o: unknown) =>
        refKey({
          group: group.refs[0]!.group,
          kind: group.kind,
          namespace: group.namespace,
          name: objectName(o),
        });
      while (!stopped) {
        try {
          const resource = await cluster.objects.discover(group.apiVersion, group.kind);
          if (!resource) throw new Error(`the cluster does not serve ${group.apiVersion} ${group.kind}`);
          const list = await cluster.objects.list(
            group.apiVersion,
            group.kind,
            group.namespace ?? undefined,
            undefined,
            undefined,
            undefined,
            undefined,
            options.labelSelector,
          );
          for (const key of keys) live.delete(key);
          for (const item of list.items as unknown[]) {
            // List items carry no apiVersion and kind, and the health rules go by them.
            if (!isMap(item) || !keys.has(keyOf(item))) continue;
            live.set(keyOf(item), { ...item, apiVersion: group.apiVersion, kind: group.kind });
          }
          listed.add(group);
          evaluate();
          if (stopped) return;
          await new Promise<void>((ended, failed) => {
            new Watch(cluster.config)
              .watch(
                collectionPath(resource, group.namespace),
                {
                  resourceVersion: list.metadata?.resourceVersion,
                  allowWatchBookmarks: true,
                  ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
                },
                (phase: string, object: unknown) =>
                  guard(() => {
                    if (applyWatchEvent(live, keys, keyOf, phase, object)) evaluate();
                  }),
                (err: unknown) => (err && !stopped ? failed(err) : ended()),
              )
              .then((abort) => {
                aborts.add(abort);
                if (stopped) abort.abort();
              }, failed);
          });
        } catch (err) {
          lastError = errorText(err);
        }
        if (!stopped) await new Promise((r) => setTimeout(r, options.retryMs ?? 1000));
      }
    };
    if (groups.length === 0) finish(false);
    for (const group of groups) void follow(group);
  });
}

// One list-and-watch per apiVersion, kind and namespace.
function groupTargets(objects: readonly Manifest[]): Group[] {
  const groups = new Map<string, Group>();
  for (const m of objects) {
    const key = `${m.object.apiVersion}|${m.ref.kind}|${m.ref.namespace ?? ""}`;
    let group = groups.get(key);
    if (!group) {
      group = { apiVersion: m.object.apiVersion, kind: m.ref.kind, namespace: m.ref.namespace, refs: [] };
      groups.set(key, group);
    }
    group.refs.push(m.ref);
  }
  return [...groups.values()];
}

/** What {@link judgeWait} concluded, and what went wrong if it could not judge. */
export interface WaitJudgement {
  health: EnvironmentHealth;
  /** Why the objects could not be judged; they are then all Unknown. */
  error?: string;
}

/**
 * The environment's verdict over what a wait has seen, for the wait's callbacks: it never throws. A judge
 * that does (a bug in a rule that slipped past `assessHealth`'s own guard) leaves every expected object
 * Unknown, which no wait treats as settled, so the wait still ends, at its timeout, with the reason.
 *
 * @param judge the verdict function; only tests pass another
 */
export function judgeWait(
  expected: readonly ObjectRef[],
  live: ReadonlyMap<string, LiveObject>,
  options: HealthOptions = {},
  judge: typeof environmentHealth = environmentHealth,
): WaitJudgement {
  try {
    return { health: judge(expected, live, options) };
  } catch (err) {
    const error = `health could not be judged: ${errorText(err)}`;
    return {
      health: {
        status: "Unknown",
        objects: expected.map((ref) => ({ ref, status: "Unknown", message: error })),
      },
      error,
    };
  }
}

/**
 * Applies one watch event to the objects a wait follows (by `refKey`), and says whether it changed them.
 * Bookmarks, errors, objects the wait does not follow and anything that is not an object are ignored.
 */
export function applyWatchEvent(
  live: Map<string, LiveObject>,
  keys: ReadonlySet<string>,
  keyOf: (object: LiveObject) => string,
  phase: string,
  object: unknown,
): boolean {
  if (phase === "BOOKMARK" || phase === "ERROR" || !isMap(object)) return false;
  const key = keyOf(object);
  if (!keys.has(key)) return false;
  if (phase === "DELETED") live.delete(key);
  else live.set(key, object);
  return true;
}

function isMap(value: unknown): value is LiveObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function objectName(object: unknown): string {
  const name = isMap(object) && isMap(object.metadata) ? object.metadata.name : undefined;
  return typeof name === "string" ? name : "";
}

// Errors of the wait are read by people (the sync summary prints lastError); a message is all they need,
// and anything thrown that is not an Error may not even turn into a string without throwing again.
function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === "string" ? err : "unexpected error";
}
