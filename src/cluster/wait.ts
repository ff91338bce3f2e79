import { Watch } from "@kubernetes/client-node";
import {
  type EnvironmentHealth,
  environmentHealth,
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
    const finish = (timedOut: boolean) => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      for (const a of aborts) a.abort();
      resolve({
        ...environmentHealth(expected, live),
        timedOut,
        durationMs: Date.now() - started,
        ...(lastError ? { lastError } : {}),
      });
    };
    const evaluate = () => {
      if (listed.size < groups.length) return;
      if (settled(environmentHealth(expected, live).status, failFast)) finish(false);
    };
    const timer = setTimeout(() => finish(true), options.timeoutMs);
    options.signal?.addEventListener("abort", () => {
      lastError = `stopped: ${String(options.signal?.reason)}`;
      finish(false);
    });

    const follow = async (group: Group) => {
      const keys = new Set(group.refs.map(refKey));
      const keyOf = (o: LiveObject) =>
        refKey({
          group: group.refs[0]!.group,
          kind: group.kind,
          namespace: group.namespace,
          name: String(o.metadata?.name ?? ""),
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
          for (const item of list.items as LiveObject[]) {
            // List items carry no apiVersion and kind, and the health rules go by them.
            const object = { ...item, apiVersion: group.apiVersion, kind: group.kind };
            if (keys.has(keyOf(object))) live.set(keyOf(object), object);
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
                (phase: string, object: LiveObject) => {
                  if (phase === "BOOKMARK" || phase === "ERROR" || !keys.has(keyOf(object))) return;
                  if (phase === "DELETED") live.delete(keyOf(object));
                  else live.set(keyOf(object), object);
                  evaluate();
                },
                (err: unknown) => (err && !stopped ? failed(err) : ended()),
              )
              .then((abort) => {
                aborts.add(abort);
                if (stopped) abort.abort();
              }, failed);
          });
        } catch (err) {
          lastError = (err as Error).message ?? String(err);
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
