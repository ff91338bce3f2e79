import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import { diffManifests } from "../../src/diff/index.js";
import { defaultRenderOptions, renderEnvironment } from "../../src/render/index.js";
import { renderReport } from "../../src/report/index.js";
import { tempDir } from "../helpers/fixtures.js";

const work = tempDir("capstan-generated-");
afterAll(() => work.remove());

function tree(name: string, files: Record<string, string>): string {
  const root = join(work.dir, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const env = (yaml: string) => parseConfig(`environments: [${yaml}]\n`, "c.yml").environments[0]!;

async function diffOf(e: ReturnType<typeof env>, base: Record<string, string>, head: Record<string, string>) {
  const id = Math.random().toString(36).slice(2);
  const [a, b] = await Promise.all([
    renderEnvironment(tree(`${id}-base`, base), e, defaultRenderOptions()),
    renderEnvironment(tree(`${id}-head`, head), e, defaultRenderOptions()),
  ]);
  return diffManifests(a.manifests, b.manifests);
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: web:1
          envFrom: [{configMapRef: {name: settings}}]
          volumeMounts: [{name: tls, mountPath: /tls}]
      volumes: [{name: tls, secret: {secretName: tls}}]
`;
const kustomization = (level: string, key = "k1") => `resources: [deployment.yaml]
configMapGenerator:
  - name: settings
    literals: [LEVEL=${level}]
secretGenerator:
  - name: tls
    literals: [key=${key}]
`;

describe("a changed kustomize generator literal, on real kustomize output", () => {
  const e = env("{name: app, path: app, renderer: kustomize, namespace: shop}");
  const files = (level: string, key?: string) => ({
    "app/kustomization.yaml": kustomization(level, key),
    "app/deployment.yaml": deployment,
  });

  it("is one changed ConfigMap with its rename noted, and a one-line note on the Deployment", async () => {
    const diff = await diffOf(e, files("info"), files("debug"));
    const summary = diff.changes.map((c) => [
      c.action,
      c.ref.kind,
      c.renamedFrom !== undefined,
      c.note ?? null,
    ]);
    expect(summary).toEqual([
      ["changed", "ConfigMap", true, null],
      [
        "changed",
        "Deployment",
        false,
        expect.stringMatching(
          /^only its references to generated names changed: settings-\w{10} → settings-\w{10}$/,
        ),
      ],
    ]);
    const cm = diff.changes[0]!;
    expect(cm.ref.name).toMatch(/^settings-\w{10}$/);
    expect(cm.diff).toContain("-  LEVEL: info");
    expect(cm.diff).toContain("+  LEVEL: debug");
    // The name is not a change of its own: the diff shows the data only.
    expect(cm.diff).not.toMatch(/^[-+]\s+name:/m);
    expect(diff.unchanged).toBe(1); // the Secret
  });

  it("names both renames a Deployment's references went through, and masks the Secret's values", async () => {
    const diff = await diffOf(e, files("info", "k1"), files("debug", "k2"));
    const web = diff.changes.find((c) => c.ref.kind === "Deployment")!;
    expect(web.note).toMatch(/settings-\w{10} → settings-\w{10}, tls-\w{10} → tls-\w{10}$/);
    const secret = diff.changes.find((c) => c.ref.kind === "Secret")!;
    expect(secret.renamedFrom).toMatch(/^tls-/);
    expect(secret.diff).not.toContain("k1");
    expect(secret.diff).not.toContain("k2");
  });

  it("reads as described in the report", async () => {
    const diff = await diffOf(e, files("info"), files("debug"));
    const [report] = renderReport({
      environments: [{ name: "app", renderer: "kustomize", diff, notices: [] }],
    });
    expect(report).toMatch(
      /<code>~ ConfigMap\/shop\/settings-\w{10}<\/code> changed \(renamed from settings-\w{10}: its content hash\)/,
    );
    expect(report).toMatch(
      /- <code>~ Deployment\/shop\/web<\/code> changed · app \(kustomize build\):\d+: only its references/,
    );
    expect(report).toContain(
      "kustomize names generated ConfigMaps and Secrets after a hash of their content",
    );
  });

  it("leaves two candidates for one prefix unpaired: a wrong pairing would hide an addition", async () => {
    const two = (suffix: string) => ({
      "app/kustomization.yaml": `resources: [deployment.yaml]\nconfigMapGenerator:\n  - {name: settings, literals: [A=${suffix}]}\n  - {name: settings-extra, literals: [B=${suffix}]}\n`,
      "app/deployment.yaml": deployment,
    });
    const diff = await diffOf(e, files("info"), two("x"));
    const actions = diff.changes.filter((c) => c.ref.kind === "ConfigMap").map((c) => c.action);
    // settings-<hash> pairs with settings-<hash>; settings-extra-<hash> is new.
    expect(actions.sort()).toEqual(["added", "changed"]);
  });
});

describe("a helm chart version bump, on real helm output", () => {
  const e = env("{name: app, path: chart, renderer: helm, namespace: shop}");
  const chart = (version: string, replicas = 1) => ({
    "chart/Chart.yaml": `apiVersion: v2\nname: app\nversion: ${version}\nappVersion: "${version}"\n`,
    "chart/values.yaml": `replicas: ${replicas}\n`,
    "chart/templates/_labels.tpl": `{{- define "app.labels" -}}\nhelm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}\napp.kubernetes.io/version: {{ .Chart.AppVersion | quote }}\napp.kubernetes.io/name: app\n{{- end }}\n`,
    "chart/templates/cm.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  labels: {{- include "app.labels" . | nindent 4 }}\ndata: {a: "1"}\n`,
    "chart/templates/svc.yaml": `apiVersion: v1\nkind: Service\nmetadata:\n  name: app\n  labels: {{- include "app.labels" . | nindent 4 }}\nspec:\n  selector: {app.kubernetes.io/name: app}\n  ports: [{port: 80}]\n`,
    "chart/templates/deploy.yaml": `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  labels: {{- include "app.labels" . | nindent 4 }}\nspec:\n  replicas: {{ .Values.replicas }}\n  selector: {matchLabels: {app.kubernetes.io/name: app}}\n  template:\n    metadata:\n      labels: {{- include "app.labels" . | nindent 8 }}\n    spec:\n      containers: [{name: app, image: "app:1"}]\n`,
  });

  it("collapses the label churn into one line, and counts churn-only objects as unchanged", async () => {
    const diff = await diffOf(e, chart("1.2.3"), chart("1.2.4", 2));
    expect(diff.churn).toEqual({
      labels: [
        { label: "helm.sh/chart", from: "app-1.2.3", to: "app-1.2.4" },
        { label: "app.kubernetes.io/version", from: "1.2.3", to: "1.2.4" },
      ],
      objects: 2,
    });
    expect(diff.unchanged).toBe(2);
    expect(diff.changes.map((c) => c.ref.kind)).toEqual(["Deployment"]);
    const deploy = diff.changes[0]!.diff;
    expect(deploy).toContain("-  replicas: 1");
    expect(deploy).not.toContain("helm.sh/chart");
    const [report] = renderReport({ environments: [{ name: "app", renderer: "helm", diff, notices: [] }] });
    expect(report).toContain(
      "ℹ️ Release-wide label changes, left out of the diffs below: `helm.sh/chart: app-1.2.3 → app-1.2.4`, `app.kubernetes.io/version: 1.2.3 → 1.2.4`. 2 objects changed by nothing else and count as unchanged.",
    );
  });

  it("still shows a bump that changes nothing but the churn, saying so", async () => {
    const diff = await diffOf(e, chart("1.2.3"), chart("1.2.4"));
    expect(diff.changes).toEqual([]);
    expect(diff.churn?.objects).toBe(3);
    const [report] = renderReport({ environments: [{ name: "app", renderer: "helm", diff, notices: [] }] });
    expect(report).toContain("3 objects changed by nothing else and count as unchanged.");
    expect(report).toContain("No other changes.");
  });

  it("says nothing of churn when the chart version stays", async () => {
    const diff = await diffOf(e, chart("1.2.3"), chart("1.2.3", 2));
    expect(diff.churn).toBeUndefined();
    expect(diff.unchanged).toBe(2);
  });
});
