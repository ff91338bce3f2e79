import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { configSchema } from "../../src/config/index.js";
import { buildObjectSet, parseDocuments } from "../../src/manifests/index.js";
import { RULES, resolvePolicy, runPolicy } from "../../src/policy/index.js";
import { testCluster, testNamespace } from "./helpers.js";

// Capstan's schema rule must agree with the real apiserver: what strict server-side validation rejects,
// the rule flags, and what it accepts, the rule passes.
const cases: Array<[name: string, yaml: string]> = [
  [
    "a Deployment",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      containers:\n      - name: c\n        image: nginx:1.27\n        ports: [{containerPort: 80, name: http}]\n        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}\n        volumeMounts: [{name: v, mountPath: /data, readOnly: true}]\n      volumes: [{name: v, emptyDir: {}}]\n",
  ],
  [
    "a Service with a named targetPort",
    "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector: {app: d}\n  ports: [{port: 80, targetPort: http}]\n",
  ],
  [
    "a CronJob",
    "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: '*/5 * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{name: c, image: busybox:1.36}]\n",
  ],
  [
    "an Ingress",
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  rules:\n  - host: example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend: {service: {name: s, port: {number: 80}}}\n",
  ],
  [
    "a LimitRange with defaults",
    "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l}\nspec:\n  limits: [{type: Container, default: {memory: 256Mi}, defaultRequest: {memory: 128Mi}}]\n",
  ],
  [
    "a HorizontalPodAutoscaler",
    "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: d}\n  minReplicas: 2\n  maxReplicas: 5\n  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]\n",
  ],
  [
    "a misspelled field",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d2}\nspec:\n  replica: 2\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      containers: [{name: c, image: nginx:1.27}]\n",
  ],
  [
    "a string where an integer goes",
    "apiVersion: v1\nkind: Service\nmetadata: {name: s2}\nspec:\n  ports: [{port: eighty}]\n",
  ],
  ["an unknown field in metadata", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c2, label: {a: b}}\n"],
  [
    "an integer where a string goes",
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x:1, env: [{name: A, value: 3}]}]\n",
  ],
];

describe("the schema rule agrees with the real apiserver", () => {
  let namespace: string;
  beforeAll(async () => {
    namespace = await testNamespace(testCluster(), "schema");
  });

  it.each(cases)("%s", (_name, yaml) => {
    const dryRun = spawnSync(
      "kubectl",
      [
        "--kubeconfig",
        inject("kubeconfig"),
        "-n",
        namespace,
        "apply",
        "--server-side",
        "--dry-run=server",
        "--validate=strict",
        "-f",
        "-",
      ],
      { input: yaml, encoding: "utf8" },
    );
    const config = configSchema.parse({ environments: [{ name: "e", path: ".", namespace }] });
    const manifests = buildObjectSet(parseDocuments(yaml, "m.yaml").documents, namespace);
    const schema = RULES.filter((r) => r.id === "schema");
    const { findings } = runPolicy(manifests, resolvePolicy(config, config.environments[0]!), schema);
    const apiserverAccepts = dryRun.status === 0;
    expect({ capstanAccepts: findings.length === 0, findings: findings.map((f) => f.message) }).toMatchObject(
      {
        capstanAccepts: apiserverAccepts,
      },
    );
    if (!apiserverAccepts) expect(dryRun.stderr).toMatch(/^Error from server/);
  });
});
