import { randomBytes } from "node:crypto";
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  type V1Deployment,
  Watch,
} from "@kubernetes/client-node";
import { inject } from "vitest";

/** Clients for the shared test cluster. */
export interface TestCluster {
  config: KubeConfig;
  objects: KubernetesObjectApi;
  core: CoreV1Api;
  apps: AppsV1Api;
}

/** Clients for the test cluster started by test/setup/cluster.ts. */
export function testCluster(): TestCluster {
  const config = new KubeConfig();
  config.loadFromFile(inject("kubeconfig"));
  return {
    config,
    objects: KubernetesObjectApi.makeApiClient(config),
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
  };
}

/** A namespace of the test's own (`<prefix>-<random>`), created now, so tests never see each other. */
export async function testNamespace(cluster: TestCluster, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString("hex")}`;
  await cluster.core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/**
 * Watches a Deployment until `done` holds for it, and returns it. Rejects after `timeoutMs` with the
 * Deployment's last status, so a failure says where the rollout got stuck.
 */
export function watchDeployment(
  cluster: TestCluster,
  namespace: string,
  name: string,
  done: (d: V1Deployment) => boolean,
  timeoutMs: number,
): Promise<V1Deployment> {
  return new Promise((resolve, reject) => {
    let last: V1Deployment | undefined;
    let abort: AbortController | undefined;
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      abort?.abort();
      fn();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new Error(
              `Deployment ${namespace}/${name} still not done after ${timeoutMs} ms: ${JSON.stringify(last?.status)}`,
            ),
          ),
        ),
      timeoutMs,
    );
    new Watch(cluster.config)
      .watch(
        `/apis/apps/v1/namespaces/${namespace}/deployments`,
        { fieldSelector: `metadata.name=${name}` },
        (_phase, object: V1Deployment) => {
          last = object;
          if (done(object)) finish(() => resolve(object));
        },
        (err: unknown) => {
          if (err && !(err instanceof Error && err.name === "AbortError")) finish(() => reject(err));
        },
      )
      .then((controller) => {
        abort = controller;
      }, reject);
  });
}

/** Server-side apply with field manager `capstan`, as Capstan's sync does. */
export function apply<T extends KubernetesObject>(cluster: TestCluster, object: T): Promise<T> {
  return cluster.objects.patch(object, undefined, undefined, "capstan", true, PatchStrategy.ServerSideApply);
}

/** The condition of a type on a Deployment, if present. */
export function condition(deployment: V1Deployment, type: string) {
  return deployment.status?.conditions?.find((c) => c.type === type);
}

/** A Deployment of fake pods (kwok runs no containers), optionally in one of kwok's failure stages. */
export function deployment(
  namespace: string,
  name: string,
  replicas: number,
  options: { fail?: "crashloop" | "never-ready"; progressDeadlineSeconds?: number } = {},
) {
  const labels: Record<string, string> = {
    app: name,
    ...(options.fail ? { "capstan.test/fail": options.fail } : {}),
  };
  const object: V1Deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: {
      replicas,
      ...(options.progressDeadlineSeconds
        ? { progressDeadlineSeconds: options.progressDeadlineSeconds }
        : {}),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: "main", image: `registry.invalid/${name}:1` }] },
      },
    },
  };
  return object;
}
