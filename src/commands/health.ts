import { readFile } from "node:fs/promises";
import yaml from "js-yaml";
import { asClusterError, connectKubeconfig, readEnvironmentSet } from "../cluster/index.js";
import { UsageError } from "../errors.js";
import { assessHealth, combineHealth, type HealthStatus, type LiveObject } from "../health/index.js";
import { isRecord, KUBERNETES_YAML } from "../manifests/index.js";

/** Options of `capstan health`, after argv parsing: a file of objects, or an environment's live ApplySet. */
export interface HealthOptions {
  /** A file of objects as they come from the cluster, or `-` for stdin… */
  file?: string;
  /** …or an environment synced to a cluster. */
  environment?: { name: string; kubeconfig: string; context?: string; namespace?: string };
  format: "text" | "json";
}

/** One object's verdict in `--format json`. */
export interface ObjectHealthJson {
  kind: string;
  namespace: string | null;
  name: string;
  status: HealthStatus;
  message: string;
}

/**
 * Runs `capstan health`: the health of live objects, one line per object that has health, and the
 * combined verdict. The objects come from a file (`kubectl get -o yaml` output, a List, or several
 * documents), or are the live members of an environment's ApplySet.
 *
 * @returns the text to print and the exit code: 0 when Healthy or Suspended, 1 otherwise
 */
export async function health(
  options: HealthOptions,
  stdin: () => Promise<string> = readStdin,
): Promise<{ output: string; exitCode: number }> {
  let objects: LiveObject[];
  let heading = "";
  if (options.environment) {
    const { name, kubeconfig, context, namespace } = options.environment;
    const cluster = connectKubeconfig(kubeconfig, context);
    const set = await readEnvironmentSet(cluster, name, namespace).catch((err: unknown) => {
      throw asClusterError(err, cluster.name) ?? err;
    });
    objects = set.members.map((m) => m.object);
    heading = `${name} in namespace ${set.namespace}: ${set.members.length} object(s), last sync ${set.result ?? "unrecorded"}\n`;
  } else {
    objects = await readObjects(options.file!, stdin);
  }
  const results: ObjectHealthJson[] = [];
  for (const object of objects) {
    const verdict = assessHealth(object);
    if (!verdict) continue;
    const meta = object.metadata ?? {};
    results.push({
      kind: String(object.kind ?? "?"),
      namespace: typeof meta.namespace === "string" ? meta.namespace : null,
      name: String(meta.name ?? "?"),
      status: verdict.status,
      message: verdict.message ?? "",
    });
  }
  const status = combineHealth(results.map((r) => r.status));
  const output =
    options.format === "json"
      ? `${JSON.stringify({ objects: results, status }, null, 2)}\n`
      : `${heading}${results.map((r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}: ${r.status}${r.message ? ` (${r.message})` : ""}`).join("\n")}${results.length > 0 ? "\n" : ""}${status}\n`;
  return { output, exitCode: status === "Healthy" || status === "Suspended" ? 0 : 1 };
}

async function readObjects(file: string, stdin: () => Promise<string>): Promise<LiveObject[]> {
  let text: string;
  try {
    text = file === "-" ? await stdin() : await readFile(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
  }
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text, undefined, { schema: KUBERNETES_YAML });
  } catch (err) {
    throw new UsageError(`${file}: malformed YAML: ${(err as yaml.YAMLException).reason ?? "unreadable"}`);
  }
  return docs
    .flatMap((d) => (isRecord(d) && Array.isArray(d.items) ? d.items : [d]))
    .filter(isRecord) as LiveObject[];
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
