// Sync conformance: whatever `kubectl apply --server-side` applies, `capstan sync` applies the same way,
// and whatever it refuses, Capstan refuses with the apiserver's reason. Each case of fixtures/conformance
// (and the generated ones below) runs both ways on the real test cluster, into a namespace per tool.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { putToolsOnPath } from "../../scripts/tools-bin.js";
import { sync } from "../../src/commands/sync.js";
import { nameProblem, parseDocuments } from "../../src/manifests/index.js";
import { tempDir } from "../helpers/fixtures.js";

const CORPUS = new URL("../../fixtures/conformance/", import.meta.url).pathname;
const SIDES = ["kubectl", "capstan"] as const;
type Side = (typeof SIDES)[number];

// Cases too big for a fixture file, generated here.
const generated: Record<string, string> = {
  "a 100 KiB annotation": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: annotated\n  namespace: __NS__\n  annotations:\n    example.com/big: "${"a".repeat(100 * 1024)}"\n`,
  "annotations past the apiserver's 256 KiB": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: over-annotated\n  namespace: __NS__\n  annotations:\n    example.com/big: "${"a".repeat(300 * 1024)}"\n`,
};

const cases: Array<[string, string]> = [
  ...readdirSync(CORPUS)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f): [string, string] => [f, readFileSync(join(CORPUS, f), "utf8")]),
  ...Object.entries(generated),
];

interface Outcome {
  applied: boolean;
  /** What the tool said when it refused. */
  said: string;
  /** The live objects, as `kubectl get -o json` prints them, less what differs by run. */
  live?: unknown[];
}

describe("sync conformance with kubectl apply --server-side", () => {
  const bin = putToolsOnPath();
  const kubeconfig = inject("kubeconfig");
  const suffix = Date.now().toString(36);
  const namespaces = { kubectl: `conformance-kubectl-${suffix}`, capstan: `conformance-capstan-${suffix}` };
  const work = tempDir("capstan-conformance-");
  const kubectl = (args: string[], input?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        join(bin, "kubectl"),
        ["--kubeconfig", kubeconfig, ...args],
        { maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin?.end(input ?? "");
    });

  beforeAll(async () => {
    for (const ns of Object.values(namespaces)) await kubectl(["create", "namespace", ns]);
  });
  afterAll(async () => {
    // Everything either side made: the namespaces, and the cluster-scoped objects the cases name per side.
    for (const [, text] of cases) {
      for (const side of SIDES) {
        const file = join(work.dir, `cleanup-${side}.yaml`);
        await writeFile(file, substitute(text, side));
        await kubectl(["delete", "-f", file, "--ignore-not-found", "--wait=false"]);
      }
    }
    for (const ns of Object.values(namespaces))
      await kubectl(["delete", "namespace", ns, "--ignore-not-found", "--wait=false"]);
    work.remove();
  });

  function substitute(text: string, side: Side): string {
    return text.replaceAll("__NS__", namespaces[side]).replaceAll("__SIDE__", side);
  }

  // The documents of a case, CRDs apart: kubectl cannot map a custom resource before its CRD exists.
  function split(text: string): { crds: string; rest: string } {
    const docs = yaml.loadAll(text).filter((d) => d !== null && d !== undefined) as Array<{ kind?: string }>;
    const dump = (list: unknown[]) => list.map((d) => yaml.dump(d, { lineWidth: -1 })).join("---\n");
    return {
      crds: dump(docs.filter((d) => d.kind === "CustomResourceDefinition")),
      rest: dump(docs.filter((d) => d.kind !== "CustomResourceDefinition")),
    };
  }

  async function viaKubectl(name: string, text: string): Promise<Outcome> {
    const { crds, rest } = split(substitute(text, "kubectl"));
    const said: string[] = [];
    for (const [part, docs] of [
      ["crds", crds],
      ["rest", rest],
    ] as const) {
      if (!docs.trim()) continue;
      const file = join(work.dir, `${name}-kubectl-${part}.yaml`);
      await writeFile(file, docs);
      const applied = await kubectl(["apply", "--server-side", "--field-manager=conformance", "-f", file]);
      said.push(applied.stderr);
      if (applied.code !== 0) return { applied: false, said: said.join("\n") };
      if (part === "crds")
        await kubectl(["wait", "--for=condition=Established", "--timeout=30s", "-f", file]);
    }
    return { applied: true, said: said.join("\n"), live: await liveObjects(text, "kubectl") };
  }

  // `capstan sync --format json` of the case's files (none: everything is pruned), into its environment.
  async function capstanSync(name: string, text: string | undefined) {
    const dir = join(work.dir, `${name}-capstan`);
    await mkdir(join(dir, ".github"), { recursive: true });
    await mkdir(join(dir, "deploy"), { recursive: true });
    const env = envName(name);
    await writeFile(
      join(dir, ".github/capstan.yml"),
      `environments:\n  - name: ${env}\n    path: deploy\n    renderer: plain\n    namespace: ${namespaces.capstan}\n    allowEmpty: true\n`,
    );
    await writeFile(join(dir, "deploy", "case.yaml"), text === undefined ? "" : substitute(text, "capstan"));
    return sync({
      dir,
      environment: env,
      kubeconfig,
      dryRun: false,
      prune: true,
      wait: false,
      format: "json",
    }).catch((err: Error) => ({ exitCode: 1, output: err.message }));
  }

  const envName = (name: string) =>
    name
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 40);

  async function viaCapstan(name: string, text: string): Promise<Outcome> {
    const result = await capstanSync(name, text);
    if (result.exitCode !== 0) return { applied: false, said: saidBy(result.output) };
    return { applied: true, said: result.output, live: await liveObjects(text, "capstan") };
  }

  // The messages of `capstan sync --format json`'s result (its errors and problems), or its error.
  function saidBy(output: string): string {
    try {
      const json = JSON.parse(output) as { objects: Array<{ error?: string }>; problems: string[] };
      return [...json.objects.map((o) => o.error ?? ""), ...json.problems].join("\n");
    } catch {
      return output;
    }
  }

  // What `kubectl get` shows of the case's objects on one side, with what differs between runs and tools
  // taken out: server-set metadata, status, allocated cluster IPs, and Capstan's ApplySet records.
  async function liveObjects(text: string, side: Side): Promise<unknown[]> {
    const file = join(work.dir, `get-${side}.yaml`);
    await writeFile(file, substitute(text, side));
    const got = await kubectl(["get", "-f", file, "-o", "json"]);
    expect(got.code, got.stderr).toBe(0);
    const parsed = JSON.parse(got.stdout) as { items?: unknown[] };
    const items = (parsed.items ?? [parsed]) as Array<Record<string, Record<string, unknown>>>;
    const cleaned = items.map((item) => {
      const { metadata = {}, status: _status, ...rest } = item;
      const {
        uid: _uid,
        resourceVersion: _rv,
        creationTimestamp: _ct,
        managedFields: _mf,
        generation: _gen,
        ...meta
      } = metadata;
      meta.labels = withoutRecords(meta.labels as Record<string, string> | undefined);
      meta.annotations = withoutRecords(meta.annotations as Record<string, string> | undefined);
      const spec = rest.spec as Record<string, unknown> | undefined;
      if (item.kind === ("Service" as never) && spec) {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      }
      return { ...rest, metadata: meta };
    });
    return JSON.parse(
      JSON.stringify(cleaned).replaceAll(namespaces[side], "__NS__").replaceAll(side, "__SIDE__"),
    ) as unknown[];
  }

  function namesFlagged(text: string): string[] {
    let documents: ReturnType<typeof parseDocuments>["documents"] = [];
    try {
      documents = parseDocuments(text, "case.yaml").documents;
    } catch {
      return []; // a case Capstan refuses to parse has no names to judge
    }
    return documents.flatMap((d) => {
      const problem = nameProblem(d.object);
      return problem ? [`${d.object.kind} ${d.object.metadata.name}: ${problem}`] : [];
    });
  }

  function withoutRecords(map: Record<string, string> | undefined): Record<string, string> | undefined {
    if (!map) return undefined;
    const kept = Object.fromEntries(
      Object.entries(map).filter(
        ([key]) =>
          !key.startsWith("applyset.kubernetes.io/") &&
          // Set by the Deployment controller as the rollout goes: present on one side sooner than the other.
          key !== "deployment.kubernetes.io/revision",
      ),
    );
    return Object.keys(kept).length > 0 ? kept : undefined;
  }

  it.each(cases)("%s: the same verdict and the same live objects", async (name, text) => {
    const ours = await viaCapstan(name, text);
    const theirs = await viaKubectl(name, text);
    expect({ applied: ours.applied, said: ours.said }).toEqual(
      expect.objectContaining({ applied: theirs.applied }),
    );
    // The schema rule flags a name before merge exactly when the apiserver refuses it.
    const named = namesFlagged(substitute(text, "kubectl"));
    expect(named.length > 0, named.join("; ")).toBe(/metadata\.name: Invalid value/.test(theirs.said));
    if (!theirs.applied) {
      // The apiserver's own reason, where kubectl got one from it (not its client-side checks).
      const reason = /is invalid: (.*)$/m.exec(theirs.said)?.[1];
      if (reason) expect(ours.said).toContain(reason);
      return;
    }
    expect(ours.live).toEqual(theirs.live);

    // Read, compared and deleted by the names as written: a second sync changes nothing, and a sync of
    // nothing prunes every object but those whose deletion would cascade (Namespaces, CRDs).
    const again = JSON.parse((await capstanSync(name, text)).output) as {
      objects: Array<{ action: string }>;
    };
    expect(new Set(again.objects.map((o) => o.action))).toEqual(new Set(["unchanged"]));
    const emptied = await capstanSync(name, undefined);
    const pruned = JSON.parse(emptied.output) as { objects: Array<{ kind: string; action: string }> };
    expect(emptied.exitCode, emptied.output).toBe(0);
    for (const o of pruned.objects)
      expect([o.kind, o.action]).toEqual([
        o.kind,
        ["Namespace", "CustomResourceDefinition"].includes(o.kind) ? "kept" : "pruned",
      ]);
  });
});
