import { describe, expect, it } from "vitest";
import type { Reach } from "../../src/config/index.js";
import { buildObjectSet, parseDocuments } from "../../src/manifests/index.js";
import { reachFindings } from "../../src/policy/index.js";

const REPO_ID = 11;

const objects = (yaml: string) => buildObjectSet(parseDocuments(yaml, "deploy/app.yaml").documents, "shop");

const CM = (ns?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n${ns ? `  namespace: ${ns}\n` : ""}`;
const NS = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
const CRB =
  "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: admin\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n";

const DEFAULT: Reach = { cluster: "prod", clusterScoped: ["Namespace"] };
const BOUNDED: Reach = { cluster: "prod", namespaces: ["shop", "shop-*"], clusterScoped: ["Namespace"] };

describe("the server config's reach over an environment's objects", () => {
  it.each([
    { case: "the environment's namespace, default reach", yaml: CM(), reach: DEFAULT, want: [] },
    {
      case: "a new namespace, default reach",
      yaml: `${NS("shop-eu")}---\n${CM("shop-eu")}`,
      reach: DEFAULT,
      want: [],
    },
    {
      case: "a system namespace, default reach",
      yaml: CM("kube-system"),
      reach: DEFAULT,
      want: [
        "ConfigMap/kube-system/c @5: namespace kube-system is a system namespace; the server config must grant it to this repository on cluster prod",
      ],
    },
    {
      case: "a namespace outside explicit bounds",
      yaml: CM("team-b"),
      reach: BOUNDED,
      want: [
        "ConfigMap/team-b/c @5: namespace team-b is outside this repository's reach on cluster prod (allowed: shop, shop-*)",
      ],
    },
    { case: "a namespace inside explicit bounds", yaml: CM("shop-eu"), reach: BOUNDED, want: [] },
    {
      case: "the default namespace, default reach (it exists everywhere and no sync created it)",
      yaml: CM("default"),
      reach: DEFAULT,
      want: [
        "ConfigMap/default/c @5: namespace default exists on cluster prod and was not created by Capstan for this repository; the server config must grant it (namespaces)",
      ],
    },
    {
      case: "a Namespace object outside explicit bounds",
      yaml: NS("team-b"),
      reach: BOUNDED,
      want: [
        "Namespace/team-b @4: namespace team-b is outside this repository's reach on cluster prod (allowed: shop, shop-*)",
      ],
    },
    {
      case: "a cluster-scoped kind the grant does not list",
      yaml: CRB,
      reach: DEFAULT,
      want: [
        "ClusterRoleBinding/admin @2: cluster-scoped ClusterRoleBinding.rbac.authorization.k8s.io is outside this repository's reach on cluster prod (allowed: Namespace)",
      ],
    },
    {
      case: "a cluster-scoped kind the grant lists",
      yaml: CRB,
      reach: { ...DEFAULT, clusterScoped: ["ClusterRoleBinding.rbac.authorization.k8s.io"] },
      want: [],
    },
  ])("$case", ({ yaml, reach, want }) => {
    const findings = reachFindings(objects(yaml), reach, REPO_ID);
    expect(
      findings.map(
        (f) =>
          `${f.ref.kind}/${f.ref.namespace ? `${f.ref.namespace}/` : ""}${f.ref.name} @${f.line}: ${f.message}`,
      ),
    ).toEqual(want);
    for (const f of findings) expect(f).toMatchObject({ rule: "cluster-reach", severity: "error" });
  });

  it.each([
    { case: "a namespace this repository's syncs created", owner: "11", want: 0 },
    { case: "a namespace another repository's syncs created", owner: "12", want: 1 },
    { case: "a namespace that exists and no repository created", owner: "", want: 1 },
    { case: "a namespace that does not exist yet", owner: undefined, want: 0 },
  ])("default reach, with the cluster's owners: $case", ({ owner, want }) => {
    const owners = new Map(owner === undefined ? [] : [["team", owner]]);
    expect(reachFindings(objects(CM("team")), DEFAULT, REPO_ID, owners)).toHaveLength(want);
  });
});
