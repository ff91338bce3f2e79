import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { environmentSchema } from "../../src/config/index.js";
import { CapstanError, ConfigError } from "../../src/errors.js";
import { formatRef } from "../../src/manifests/index.js";
import {
  defaultRenderLimits,
  defaultRenderOptions,
  PathMissingError,
  renderEnvironment,
  runTool,
} from "../../src/render/index.js";
import { fixtureRepo, type HostileCase, hostile, tempDir, treeConfig } from "../helpers/fixtures.js";

const env = (fields: Record<string, unknown>) => environmentSchema.parse({ name: "test", ...fields });

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const remove of cleanups.splice(0)) remove();
});

/** A temporary repository holding `files` (path → content), removed after the test. */
function repo(files: Record<string, string>): string {
  const { dir, remove } = tempDir();
  cleanups.push(remove);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

describe("renderEnvironment with the real renderers", () => {
  const shop = fixtureRepo("shop", "head");
  const config = treeConfig(shop);
  const named = (name: string) => config.environments.find((e) => e.name === name)!;

  it("auto-detects a kustomization and runs kustomize build", async () => {
    const result = await renderEnvironment(shop, named("staging"));
    expect(result.renderer).toBe("kustomize");
    expect(result.manifests.map((m) => formatRef(m.ref)).sort()).toEqual([
      "ConfigMap/shop-staging/api-config",
      "ConfigMap/shop-staging/feature-flags",
      "Deployment/shop-staging/api",
      "Secret/shop-staging/api-credentials",
      "Service/shop-staging/api",
    ]);
    expect(result.manifests[0]!.source.file).toBe("deploy/overlays/staging (kustomize build)");
  });

  it("renders a helm chart with the release, namespace, values and kube version, tracing templates", async () => {
    const result = await renderEnvironment(shop, named("monitoring"));
    expect(result.renderer).toBe("helm");
    const ds = result.manifests.find((m) => m.ref.kind === "DaemonSet")!;
    expect(formatRef(ds.ref)).toBe("DaemonSet/monitoring/metrics-agent");
    expect(ds.source.file).toBe("charts/metrics-agent/templates/daemonset.yaml");
    expect(JSON.stringify(ds.object)).toContain("prom/node-exporter:v1.9.0"); // from values-production.yaml
    expect(JSON.stringify(ds.object)).toContain("v1.36"); // .Capabilities.KubeVersion from --kube-version
  });

  it("reads a plain directory recursively, with notices for what it ignores", async () => {
    const result = await renderEnvironment(shop, named("platform"));
    expect(result.renderer).toBe("plain");
    expect(result.manifests.map((m) => `${formatRef(m.ref)}@${m.source.file}:${m.source.line}`)).toContain(
      "ClusterRoleBinding/platform-reader@platform/rbac/reader.yaml:13",
    );
    expect(result.notices).toEqual([
      "platform/README.md: not a .yaml, .yml or .json file; ignored",
      "platform/renovate-hints.yaml:2: not a Kubernetes object (no apiVersion and kind); ignored",
    ]);
  });

  it("says when the path does not exist", async () => {
    await expect(renderEnvironment(shop, env({ path: "nowhere" }))).rejects.toThrow(PathMissingError);
  });
});

describe("hostile repositories", () => {
  type Case = { name: HostileCase; error: RegExp };
  const cases: Case[] = [
    { name: "malformed-yaml", error: /^manifests\/broken\.yaml:7: malformed YAML: bad indentation/ },
    {
      name: "alias-bomb",
      error: /^manifests\/lol\.yaml:\d+: document expands past .* YAML aliases; refused/,
    },
    {
      name: "duplicate-object",
      error: /ConfigMap\/bad\/settings is defined twice \(first at manifests\/a-settings\.yaml:\d+\)/,
    },
    {
      name: "symlink-escape",
      error: /^manifests\/passwd\.yaml is a symbolic link that leads outside the repository; refused$/,
    },
    {
      name: "kustomize-remote-base",
      error: /overlay\/kustomization\.yaml: resources entry "github\.com\/.*" is remote/,
    },
    {
      name: "kustomize-exec-plugin",
      error:
        /overlay\/kustomization\.yaml: generators entry "gen\.yaml" configures a plugin; exec and KRM-function plugins are not allowed/,
    },
    {
      name: "kustomize-generator-dir",
      error:
        /overlay\/kustomization\.yaml: generators entry "gen" configures a plugin; exec and KRM-function plugins are not allowed/,
    },
    {
      name: "helm-fails",
      error:
        /^helm failed \(exit 1\): Error: execution error at \(.*templates\/deployment\.yaml:18:52\): image\.tag is required/,
    },
  ];

  it.each(cases)("$name gives a clear error", async ({ name, error }) => {
    const root = hostile(name);
    const attempt = renderEnvironment(root, treeConfig(root).environments[0]!);
    await expect(attempt).rejects.toThrow(CapstanError);
    await expect(attempt).rejects.toThrow(error);
  });

  it.each<[HostileCase, RegExp]>([
    ["unknown-renderer", /renderer: must be one of auto, plain, kustomize, helm \(got "jsonnet"\)/],
    ["path-escape", /path: "\.\.\/\.\.\/etc" leaves the repository/],
  ])("%s is refused by the config", (name, error) => {
    expect(() => treeConfig(hostile(name))).toThrow(ConfigError);
    expect(() => treeConfig(hostile(name))).toThrow(error);
  });

  it("strikes Secret values from kustomize's error when a patch on a Secret cannot be read, parsed or not", async () => {
    const root = hostile("kustomize-secret-patch");
    for (const env of treeConfig(root).environments) {
      const attempt = renderEnvironment(root, env);
      await expect(attempt).rejects.toThrow(/kustomize failed \(exit 1\): .*PatchTransformer/s);
      const message = await attempt.catch((err: Error) => err.message);
      expect(message).toContain("target:\n  kind: Secret\n  name: db");
      expect(message).not.toMatch(/Tr0ub4dor/);
    }
  });

  it("walks a directory of transformer configs like any kustomization: a remote resource there is refused", async () => {
    const root = repo({
      "k/kustomization.yaml": "resources: [cm.yaml]\ntransformers: [t]\n",
      "k/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
      "k/t/kustomization.yaml": "resources: [https://example.com/transformer.yaml]\n",
    });
    await expect(renderEnvironment(root, env({ path: "k" }))).rejects.toThrow(
      'k/t/kustomization.yaml: resources entry "https://example.com/transformer.yaml" is remote',
    );
  });

  it("kustomize itself refuses the exec plugin even without Capstan's preflight, and never runs it", async () => {
    const overlay = join(hostile("kustomize-exec-plugin"), "overlay");
    const attempt = runTool({
      tool: "kustomize",
      args: ["build", overlay],
      cwd: overlay,
      limits: defaultRenderLimits(),
    });
    await expect(attempt).rejects.toThrow(/external plugins disabled/);
    expect(existsSync("/tmp/capstan-pwned")).toBe(false);
  });

  it.each([
    ["a go-getter URL in resources", "resources:\n- git::https://example.com/org/repo//base?ref=v1\n"],
    ["an https URL in components", "components:\n- https://example.com/component.tar.gz\n"],
    ["an scp-like git address", "resources:\n- git@example.com:org/repo.git\n"],
    ["a host/org/repo shorthand", "bases:\n- example.com/org/repo/base\n"],
  ])("refuses %s before kustomize can fetch it", async (_name, kustomization) => {
    const dir = repo({
      "k/kustomization.yaml": kustomization,
    });
    await expect(renderEnvironment(dir, env({ path: "k" }))).rejects.toThrow(
      /is remote; Capstan renders only what is in the repository/,
    );
  });

  it("refuses an inline transformer plugin with Capstan's own message", async () => {
    const dir = repo({
      "k/kustomization.yaml":
        "transformers:\n- |\n  apiVersion: example.com/v1\n  kind: Evil\n  metadata:\n    name: x\n    annotations:\n      config.kubernetes.io/function: |\n        exec: {path: ./evil.sh}\n",
    });
    await expect(renderEnvironment(dir, env({ path: "k" }))).rejects.toThrow(
      "k/kustomization.yaml: transformers entry configures a plugin; exec and KRM-function plugins are not allowed",
    );
  });

  it("accepts builtin transformers", async () => {
    const dir = repo({
      "k/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
      "k/prefix.yaml":
        "apiVersion: builtin\nkind: PrefixSuffixTransformer\nmetadata: {name: p}\nprefix: team-\nfieldSpecs: [{path: metadata/name}]\n",
      "k/kustomization.yaml": "resources: [cm.yaml]\ntransformers: [prefix.yaml]\n",
    });
    const result = await renderEnvironment(dir, env({ path: "k" }));
    expect(result.manifests.map((m) => formatRef(m.ref))).toEqual(["ConfigMap/default/team-a"]);
  });
});

describe("secrets in renderer messages", () => {
  it("strikes a secretGenerator literal that kustomize quotes in its error", async () => {
    const dir = repo({
      "k/kustomization.yaml": 'secretGenerator:\n- name: db\n  literals: ["password:Hunter2Literal"]\n',
    });
    const attempt = renderEnvironment(dir, env({ path: "k" }));
    await expect(attempt).rejects.toThrow(/^kustomize failed/);
    await expect(attempt).rejects.not.toThrow(/Hunter2/);
  });

  it("keeps a Secret value that breaks a YAML tag out of the error", async () => {
    const dir = repo({
      "m/s.yaml":
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  password: !Hunter2Secret\n",
    });
    const attempt = renderEnvironment(dir, env({ path: "m", renderer: "plain" }));
    await expect(attempt).rejects.toThrow("malformed YAML: unknown tag (hidden)");
    await expect(attempt).rejects.not.toThrow(/Hunter2/);
  });
});

describe("limits and the sandbox", () => {
  afterEach(() => {
    delete process.env.CAPSTAN_KUSTOMIZE;
  });

  // A stand-in for kustomize that behaves badly, to check the runner's bounds (not its rendering).
  function fakeKustomize(dir: string, script: string): void {
    const path = join(dir, "fake-kustomize.sh");
    writeFileSync(path, `#!/bin/sh\n${script}\n`);
    chmodSync(path, 0o755);
    process.env.CAPSTAN_KUSTOMIZE = path;
  }

  it("refuses a file over the size limit before reading it", async () => {
    const root = repo({
      "m/big.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  x: "${"a".repeat(2048)}"\n`,
    });
    const options = defaultRenderOptions();
    options.limits.maxFileBytes = 1024;
    await expect(renderEnvironment(root, env({ path: "m", renderer: "plain" }), options)).rejects.toThrow(
      "m/big.yaml:1: file is 2.1 KiB, over the 1 KiB limit for one manifest file",
    );
  });

  it("refuses a directory over the total size limit", async () => {
    const root = repo({ "m/a.yaml": "a: 1\n".repeat(300), "m/b.yaml": "b: 1\n".repeat(300) });
    const options = defaultRenderOptions();
    options.limits.maxTotalBytes = 2048;
    await expect(renderEnvironment(root, env({ path: "m", renderer: "plain" }), options)).rejects.toThrow(
      "m holds more than 2 KiB of files; refused",
    );
  });

  it("refuses a symlinked directory that leaves the repository", async () => {
    const root = repo({ "m/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n" });
    symlinkSync("/etc", join(root, "m/etc"));
    await expect(renderEnvironment(root, env({ path: "m", renderer: "plain" }))).rejects.toThrow(
      "m/etc is a symbolic link that leads outside the repository; refused",
    );
  });

  it("refuses a helm chart with a link out of the repository, even inside a dot-directory", async () => {
    const root = repo({
      "c/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n",
      "c/templates/cm.yaml":
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: leak}\ndata:\n  p: {{ .Files.Get ".x/p" | quote }}\n',
    });
    mkdirSync(join(root, "c/.x"));
    symlinkSync("/etc/passwd", join(root, "c/.x/p"));
    await expect(renderEnvironment(root, env({ path: "c", renderer: "helm" }))).rejects.toThrow(
      "c/.x/p is a symbolic link that leads outside the repository; refused",
    );
  });

  it("follows a symlink that stays inside the repository", async () => {
    const root = repo({
      "shared/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
      "m/.keep": "",
    });
    symlinkSync("../shared/cm.yaml", join(root, "m/cm.yaml"));
    const result = await renderEnvironment(root, env({ path: "m", renderer: "plain" }));
    expect(result.manifests.map((m) => formatRef(m.ref))).toEqual(["ConfigMap/default/a"]);
  });

  it("refuses a kustomize resource outside the repository", async () => {
    const root = repo({ "k/kustomization.yaml": "resources: [../../../../etc]\n" });
    await expect(renderEnvironment(root, env({ path: "k" }))).rejects.toThrow(
      /is a symbolic link to \/etc|outside the repository/,
    );
  });

  it("refuses kustomize helmCharts", async () => {
    const root = repo({
      "k/kustomization.yaml": "helmCharts:\n- name: x\n  repo: https://charts.example.com\n",
    });
    await expect(renderEnvironment(root, env({ path: "k" }))).rejects.toThrow(
      "helmCharts needs kustomize --enable-helm",
    );
  });

  it("kills a renderer that runs past the time limit", async () => {
    const root = repo({ "k/kustomization.yaml": "resources: []\n" });
    fakeKustomize(root, "sleep 30");
    const options = defaultRenderOptions();
    options.limits.timeoutMs = 300;
    const started = Date.now();
    await expect(renderEnvironment(root, env({ path: "k" }), options)).rejects.toThrow(
      "kustomize timed out after 0.3 s",
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("kills a renderer whose output passes the cap", async () => {
    const root = repo({ "k/kustomization.yaml": "resources: []\n" });
    fakeKustomize(root, "yes 'a: b'");
    const options = defaultRenderOptions();
    options.limits.maxOutputBytes = 1024 * 1024;
    await expect(renderEnvironment(root, env({ path: "k" }), options)).rejects.toThrow(
      "kustomize output exceeded 1 MiB",
    );
  });

  it("gives the renderer a stripped environment: no credentials, no proxy, no kubeconfig, a private home", async () => {
    const root = repo({ "k/kustomization.yaml": "resources: []\n" });
    fakeKustomize(
      root,
      `echo "kind: Env\\napiVersion: v1\\nmetadata: {name: e}\\ndata:"; env | sed 's/^\\([^=]*\\)=.*/  - \\1/'`,
    );
    Object.assign(process.env, {
      GITHUB_TOKEN: "ghs_x",
      KUBECONFIG: "/k",
      HTTPS_PROXY: "http://p",
      AWS_SECRET_ACCESS_KEY: "x",
    });
    try {
      const result = await renderEnvironment(root, env({ path: "k" }));
      const names = result.manifests[0]!.object.data as string[];
      expect(names.sort()).toEqual(expect.arrayContaining(["HOME", "PATH"]));
      for (const leaked of ["GITHUB_TOKEN", "KUBECONFIG", "HTTPS_PROXY", "AWS_SECRET_ACCESS_KEY"])
        expect(names).not.toContain(leaked);
    } finally {
      for (const key of ["GITHUB_TOKEN", "KUBECONFIG", "HTTPS_PROXY", "AWS_SECRET_ACCESS_KEY"])
        delete process.env[key];
    }
  });

  it("gives the renderer no network: its namespace has only a loopback interface", async () => {
    const root = repo({ "k/kustomization.yaml": "resources: []\n" });
    // /proc/net/dev lists the interfaces of the reader's own network namespace.
    fakeKustomize(
      root,
      `echo "kind: Net\\napiVersion: v1\\nmetadata: {name: net}\\ndata:"; tail -n +3 /proc/net/dev | cut -d: -f1 | sed 's/^ */  - /'`,
    );
    const result = await renderEnvironment(root, env({ path: "k" }));
    expect(result.manifests[0]!.object.data).toEqual(["lo"]);
  });

  it("names the tool and its message when it fails", async () => {
    const root = repo({ "k/kustomization.yaml": "resources: [missing.yaml]\n" });
    await expect(renderEnvironment(root, env({ path: "k" }))).rejects.toThrow(
      /^kustomize failed \(exit 1\): Error: .*missing\.yaml/,
    );
  });

  it("keeps temporary paths out of messages", async () => {
    const root = repo({ "k/kustomization.yaml": "resources: [missing.yaml]\n" });
    await expect(renderEnvironment(root, env({ path: "k" }))).rejects.not.toThrow(root);
  });
});
