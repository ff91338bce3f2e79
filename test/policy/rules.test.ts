import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/index.js";
import { buildObjectSet, parseDocuments } from "../../src/manifests/index.js";
import { RULES, resolvePolicy, runPolicy } from "../../src/policy/index.js";

/** One rule against one YAML document: the findings it must give, as `line: message part`. */
interface Case {
  rule: string;
  name: string;
  yaml: string;
  /** `[]` for a clean object. */
  expect: Array<[line: number, message: string]>;
  /** Policy settings for the case (repository-wide `policy:` of the config). */
  policy?: Record<string, unknown>;
  kubeVersion?: string;
}

const pod = (spec: string, meta = "") => `apiVersion: v1
kind: Pod
metadata:
  name: p
${meta}spec:
${spec}`;

const deploy = (container: string, podExtra = "") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    spec:
${podExtra}      containers:
      - name: app
${container}`;

const GOOD_CONTAINER = `        image: nginx:1.27
        resources:
          requests: {cpu: 100m, memory: 64Mi}
          limits: {memory: 128Mi}
        securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false}
`;

const cases: Case[] = [
  // image-tag
  {
    rule: "image-tag",
    name: "no tag",
    yaml: deploy("        image: nginx\n"),
    expect: [[12, "image nginx has no tag"]],
  },
  {
    rule: "image-tag",
    name: ":latest",
    yaml: deploy("        image: nginx:latest\n"),
    expect: [[12, "uses the :latest tag"]],
  },
  {
    rule: "image-tag",
    name: "a registry port is not a tag",
    yaml: deploy("        image: reg:5000/app\n"),
    expect: [[12, "image reg:5000/app has no tag"]],
  },
  {
    rule: "image-tag",
    name: "a tag after an @ that is no digest",
    yaml: deploy("        image: nginx@latest\n"),
    expect: [[12, "image nginx@latest has a malformed digest"]],
  },
  { rule: "image-tag", name: "a pinned tag", yaml: deploy("        image: nginx:1.27\n"), expect: [] },
  {
    rule: "image-tag",
    name: "a digest",
    yaml: deploy(
      "        image: nginx@sha256:abababababababababababababababababababababababababababababababab\n",
    ),
    expect: [],
  },
  {
    rule: "image-tag",
    name: "init containers of a CronJob",
    yaml: `apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
          - {name: init, image: busybox}
          containers:
          - {name: main, image: app:1}
`,
    expect: [[10, "container init: image busybox has no tag"]],
  },
  // resources
  {
    rule: "resources",
    name: "none at all",
    yaml: deploy("        image: a:1\n"),
    expect: [[11, "container app has no requests.cpu, requests.memory, limits.memory"]],
  },
  {
    rule: "resources",
    name: "no memory limit",
    yaml: deploy("        image: a:1\n        resources:\n          requests: {cpu: 1, memory: 1Gi}\n"),
    expect: [[13, "container app has no limits.memory"]],
  },
  { rule: "resources", name: "complete (no CPU limit needed)", yaml: deploy(GOOD_CONTAINER), expect: [] },
  {
    rule: "resources",
    name: "limits only (requests default to them)",
    yaml: deploy("        image: a:1\n        resources:\n          limits: {cpu: 100m, memory: 10Mi}\n"),
    expect: [],
  },
  // privileged
  {
    rule: "privileged",
    name: "privileged and escalating",
    yaml: deploy(
      "        image: a:1\n        securityContext:\n          privileged: true\n          allowPrivilegeEscalation: true\n",
    ),
    expect: [
      [14, "container app is privileged"],
      [15, "container app allows privilege escalation"],
    ],
  },
  { rule: "privileged", name: "locked down", yaml: deploy(GOOD_CONTAINER), expect: [] },
  // host-namespaces
  {
    rule: "host-namespaces",
    name: "hostNetwork, hostPID and a hostPath volume",
    yaml: pod(
      "  hostNetwork: true\n  hostPID: true\n  containers: [{name: a, image: a:1}]\n  volumes:\n  - name: root\n    hostPath: {path: /}\n",
    ),
    expect: [
      [6, "pod uses hostNetwork"],
      [7, "pod uses hostPID"],
      [11, "volume root mounts a hostPath (/)"],
    ],
  },
  {
    rule: "host-namespaces",
    name: "an emptyDir",
    yaml: pod("  containers: [{name: a, image: a:1}]\n  volumes: [{name: t, emptyDir: {}}]\n"),
    expect: [],
  },
  // run-as-non-root
  {
    rule: "run-as-non-root",
    name: "not set",
    yaml: deploy("        image: a:1\n"),
    expect: [[11, "container app does not set runAsNonRoot: true"]],
  },
  {
    rule: "run-as-non-root",
    name: "UID 0 on the pod",
    yaml: deploy("        image: a:1\n", "      securityContext: {runAsUser: 0, runAsNonRoot: true}\n"),
    expect: [[10, "container app runs as UID 0"]],
  },
  {
    rule: "run-as-non-root",
    name: "set on the pod",
    yaml: deploy("        image: a:1\n", "      securityContext: {runAsNonRoot: true}\n"),
    expect: [],
  },
  { rule: "run-as-non-root", name: "set on the container", yaml: deploy(GOOD_CONTAINER), expect: [] },
  // plain-secret
  {
    rule: "plain-secret",
    name: "a Secret",
    yaml: "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: YQ==}\n",
    expect: [[2, "a plain Secret is committed"]],
  },
  {
    rule: "plain-secret",
    name: "a ConfigMap",
    yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    expect: [],
  },
  // deprecated-api
  {
    rule: "deprecated-api",
    name: "removed before the target",
    yaml: "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: i}\n",
    expect: [
      [
        1,
        "Ingress extensions/v1beta1 was removed in Kubernetes 1.22 (target 1.36); use networking.k8s.io/v1",
      ],
    ],
  },
  {
    rule: "deprecated-api",
    name: "deprecated but still served at the target",
    yaml: "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: c}\n",
    kubeVersion: "1.23",
    expect: [[1, "CronJob batch/v1beta1 is deprecated since 1.21 and removed in 1.25; use batch/v1"]],
  },
  {
    rule: "deprecated-api",
    name: "a current API",
    yaml: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\n",
    expect: [],
  },
  // required-labels
  {
    rule: "required-labels",
    name: "missing one",
    yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {team: web}\n",
    policy: { requiredLabels: ["team", "app.kubernetes.io/name"] },
    expect: [[5, "missing label app.kubernetes.io/name"]],
  },
  {
    rule: "required-labels",
    name: "all present",
    yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {team: web}\n",
    policy: { requiredLabels: ["team"] },
    expect: [],
  },
  {
    rule: "required-labels",
    name: "nothing required",
    yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    expect: [],
  },
  // min-replicas
  {
    rule: "min-replicas",
    name: "below the minimum",
    yaml: deploy(GOOD_CONTAINER),
    policy: { minReplicas: 3 },
    expect: [[6, "2 replicas, fewer than the minimum of 3"]],
  },
  {
    rule: "min-replicas",
    name: "omitted replicas count as 1",
    yaml: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\nspec: {serviceName: s}\n",
    policy: { minReplicas: 2 },
    expect: [[4, "1 replica, fewer than the minimum of 2"]],
  },
  {
    rule: "min-replicas",
    name: "at the minimum",
    yaml: deploy(GOOD_CONTAINER),
    policy: { minReplicas: 2 },
    expect: [],
  },
  // namespaces
  {
    rule: "namespaces",
    name: "another team's namespace",
    yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: billing\n",
    expect: [[5, "namespace billing is not one of this environment's (web)"]],
  },
  {
    rule: "namespaces",
    name: "a Namespace the render creates, and an object in it, by default",
    yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: cert-manager}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: cert-manager}\n",
    expect: [],
  },
  {
    rule: "namespaces",
    name: "any cluster-scoped kind, by default (the server config's grants bound them)",
    yaml: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: x}\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: a.b.c}\n",
    policy: {},
    expect: [],
  },
  {
    rule: "namespaces",
    name: "a cluster-scoped kind once policy.clusterScoped is set without it",
    yaml: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: x}\n",
    policy: { clusterScoped: ["Namespace"] },
    expect: [[2, "cluster-scoped ClusterRole is not allowed"]],
  },
  {
    rule: "namespaces",
    name: "a Namespace once policy.clusterScoped is set without it",
    yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n",
    policy: { clusterScoped: ["ClusterRole"] },
    expect: [[2, "cluster-scoped Namespace is not allowed"]],
  },
  {
    rule: "namespaces",
    name: "an object in a created Namespace once policy.namespaces is set without it",
    yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: x}\n",
    policy: { namespaces: ["web"] },
    expect: [[7, "namespace x is not one of this environment's (web)"]],
  },
  {
    rule: "namespaces",
    name: "a Namespace-kinded custom resource is no Namespace",
    yaml: "apiVersion: example.com/v1\nkind: Namespace\nmetadata: {name: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: x}\n",
    // Its own scope is unknown (so it takes the environment's namespace); it creates no namespace x.
    expect: [[7, "namespace x is not one of this environment's (web)"]],
  },
  {
    rule: "namespaces",
    name: "an allowed cluster-scoped kind and namespace",
    yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: x}\n",
    policy: { clusterScoped: ["Namespace"], namespaces: ["web", "x"] },
    expect: [],
  },
  {
    rule: "namespaces",
    name: "the default namespace",
    yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    expect: [],
  },
  // schema
  {
    rule: "schema",
    name: "a misspelled field, a wrong type and a missing required field",
    yaml: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replica: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: "http"}]
      - image: sidecar:1
`,
    expect: [
      [5, "unknown field spec.replica"],
      [13, "spec.template.spec.containers[0].ports[0].containerPort must be an integer"],
      [14, "spec.template.spec.containers[1] is missing required field name"],
    ],
  },
  {
    rule: "schema",
    name: "a CRD of a protected group without its API approval",
    yaml: "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things.gateway.networking.k8s.io\nspec:\n  group: gateway.networking.k8s.io\n  scope: Namespaced\n  names: {kind: Thing, plural: things}\n  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]\n",
    expect: [
      [
        4,
        "a CRD of the protected group gateway.networking.k8s.io needs the annotation api-approved.kubernetes.io (the URL of its API review), or the apiserver refuses it",
      ],
    ],
  },
  {
    rule: "schema",
    name: "a CRD of a protected group with its approval, and one of a group that only ends like one",
    yaml: "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things.gateway.networking.k8s.io\n  annotations: {api-approved.kubernetes.io: https://github.com/kubernetes/enhancements/pull/1111}\nspec:\n  group: gateway.networking.k8s.io\n  scope: Namespaced\n  names: {kind: Thing, plural: things}\n  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things.notk8s.io\nspec:\n  group: notk8s.io\n  scope: Namespaced\n  names: {kind: Thing, plural: things}\n  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]\n",
    expect: [],
  },
  {
    rule: "schema",
    name: "an int-or-string that is neither",
    yaml: "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - port: 80\n    targetPort: [http]\n",
    expect: [[7, "spec.ports[0].targetPort must be an integer or a string"]],
  },
  {
    rule: "schema",
    name: "a custom resource against the CRD in the same render",
    yaml: `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec:
  size: large
  colour: red
`,
    expect: [
      [25, "spec.size must be an integer"],
      [26, "unknown field spec.colour"],
    ],
  },
  { rule: "schema", name: "a valid Deployment", yaml: deploy(GOOD_CONTAINER), expect: [] },
  {
    rule: "schema",
    name: "an unknown kind (a notice, not a finding)",
    yaml: "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\nspec: {any: thing}\n",
    expect: [],
  },
  // cluster-admin
  {
    rule: "cluster-admin",
    name: "a ClusterRoleBinding to cluster-admin",
    yaml: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects: []\n",
    expect: [[7, "ClusterRoleBinding grants cluster-admin on the whole cluster"]],
  },
  {
    rule: "cluster-admin",
    name: "a RoleBinding to cluster-admin",
    yaml: "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n",
    expect: [[4, "RoleBinding grants cluster-admin in namespace web"]],
  },
  {
    rule: "cluster-admin",
    name: "a RoleBinding to view",
    yaml: "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\n",
    expect: [],
  },
];

function check(c: Pick<Case, "rule" | "yaml" | "policy" | "kubeVersion">) {
  const config = configSchema.parse({
    environments: [{ name: "test", path: ".", namespace: "web", kubeVersion: c.kubeVersion ?? "1.36" }],
    policy: c.policy ?? {},
  });
  const manifests = buildObjectSet(parseDocuments(c.yaml, "m.yaml").documents, "web");
  const rule = RULES.find((r) => r.id === c.rule)!;
  return runPolicy(manifests, resolvePolicy(config, config.environments[0]!), [rule]);
}

describe("built-in rules", () => {
  it.each(cases)("$rule: $name", (c) => {
    const { findings } = check(c);
    expect(findings.map((f) => [f.line, f.message])).toEqual(
      c.expect.map(([line, message]) => [line, expect.stringContaining(message)]),
    );
    for (const f of findings)
      expect(f).toMatchObject({ rule: c.rule, file: "m.yaml", hint: expect.any(String) });
  });

  it("has a case that catches and a case that passes for every rule", () => {
    for (const rule of RULES) {
      expect(
        cases.some((c) => c.rule === rule.id && c.expect.length > 0),
        `${rule.id} catches`,
      ).toBe(true);
      expect(
        cases.some((c) => c.rule === rule.id && c.expect.length === 0),
        `${rule.id} passes`,
      ).toBe(true);
    }
  });

  it("gives every rule an id, a default severity, a rationale and a hint", () => {
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^[a-z][a-z-]+$/);
      expect(["error", "warning"]).toContain(rule.defaultSeverity);
      expect(rule.rationale.length).toBeGreaterThan(20);
      expect(rule.hint.length).toBeGreaterThan(20);
    }
  });
});
