import { parseArgs } from "node:util";
import type { DiffOptions, PullRequestRef } from "../commands/diff.js";
import type { DriftCommandOptions } from "../commands/drift.js";
import type { HealthOptions } from "../commands/health.js";
import type { PolicyOptions } from "../commands/policy.js";
import type { SyncCommandOptions } from "../commands/sync.js";
import { parseDuration } from "../config/index.js";
import { UsageError } from "../errors.js";

/** A parsed command line: which command, with which options. */
export type Command =
  | { name: "help"; topic?: string }
  | { name: "version" }
  | { name: "diff"; options: DiffOptions }
  | { name: "policy"; options: PolicyOptions }
  | { name: "health"; options: HealthOptions }
  | { name: "sync"; options: SyncCommandOptions }
  | { name: "drift"; options: DriftCommandOptions };

/** The usage text of `capstan` and each command. */
export const USAGE: Record<string, string> = {
  main: `Usage: capstan <command> [options]

Commands:
  diff     What merging a change does to each environment (rendered, object by object)
  policy   Policy checks of each environment's rendered objects
  sync     Apply an environment to a cluster (server-side apply, ApplySet prune, health wait)
  health   Health of live objects, as Argo CD judges it
  drift    Live changes to an environment that no sync made, and which tool made them

Run "capstan help <command>" for a command's options.`,
  diff: `Usage: capstan diff (--repo DIR --base REF --head REF | --base-dir A --head-dir B | --pr PR) [options]

Renders every environment at the base and at the head and diffs them object by object.

Sources (one of):
  --repo DIR --base REF --head REF   a local git repository, trees taken at two refs
  --base-dir A --head-dir B          two directories
  --pr OWNER/REPO#N                  a pull request on GitHub (or its URL), read with GITHUB_TOKEN;
                                     GITHUB_API_URL points at GitHub Enterprise Server

Options:
  --config FILE        config used for both sides (default: .github/capstan.yml at head)
  --env NAME           an environment to preview; repeatable (default: all)
  --format FORMAT      markdown (default) or json
  --comment            with --pr: post or update the sticky comment and the capstan/diff and
                       capstan/policy checks, as the App would (commit statuses where the token
                       may not create check runs)
  --kubeconfig PATH    validate custom resources against the CRDs this cluster serves, for every
                       environment that names a cluster (never for a fork's pull request)
  --context C          a context of the kubeconfig (default: its current one)

Exit status: 0 on success, 1 when an environment could not be rendered, 2 on usage or config errors.`,
  health: `Usage: capstan health (-f FILE | --env NAME --kubeconfig PATH) [options]

Prints the health of live objects, one line per object that has health, then the combined verdict:
Healthy, Suspended, Progressing, Missing, Degraded or Unknown, as Argo CD judges them.

Objects (one of):
  -f FILE                  kubectl get -o yaml output, a List, or several documents; - reads stdin
  --env NAME               the live objects of an environment Capstan synced (its ApplySet)

Options:
  --kubeconfig PATH        with --env: the cluster's kubeconfig
  --context C              with --env: a context of the kubeconfig (default: its current one)
  --namespace NS           with --env: where the environment's parent is (default: found by name)
  --format FORMAT          text (default) or json

Exit status: 0 when Healthy or Suspended, 1 otherwise, 2 on usage errors.`,
  sync: `Usage: capstan sync (--dir DIR | --repo DIR --ref REF) --env NAME --kubeconfig PATH [options]

Renders one environment and makes the cluster match it: server-side apply (field manager capstan),
namespaces and CRDs first, then waves; objects removed from Git are pruned through the environment's
ApplySet (ConfigMap capstan-NAME); a Lease of the same name keeps two syncs from interleaving.

Sources (one of):
  --repo DIR --ref REF   a local git repository, tree taken at a ref (the revision recorded)
  --dir DIR              a directory

Options:
  --env NAME             the environment to sync (required)
  --kubeconfig PATH      the cluster's kubeconfig (required)
  --context C            a context of the kubeconfig (default: its current one)
  --config FILE          config to use (default: .github/capstan.yml in the tree)
  --dry-run              ask the apiserver what would change; write nothing
  --no-prune             keep objects that were removed from Git
  --wait                 wait for health after the sync; fails fast on Degraded
  --timeout DURATION     how long to wait, e.g. 90s, 5m (default: the environment's healthTimeout)
  --repository O/R --repository-id ID
                         sync as this repository (its numeric id), as the app would; needed for an
                         environment the app deployed, whose parent records its repository
  --format FORMAT        text (default) or json

Exit status: 0 when the sync succeeded (and, with --wait, ended Healthy or Suspended), 1 otherwise,
2 on usage or config errors.`,
  drift: `Usage: capstan drift (--repo DIR | --dir DIR) --env NAME --kubeconfig PATH [options]

Compares an environment's live objects with the revision it last synced (recorded on its ApplySet
parent, never the branch head): fields that differ (with the tool that last wrote each, from
managedFields), objects missing, members no longer in the revision, and fields other tools added.

Sources (one of):
  --repo DIR             a local git repository: the tree at the recorded revision
  --dir DIR              a directory holding what was synced

Options:
  --env NAME             the environment (required)
  --kubeconfig PATH      the cluster's kubeconfig (required)
  --context C            a context of the kubeconfig (default: its current one)
  --config FILE          config to use (default: .github/capstan.yml in the tree)
  --format FORMAT        text (default) or json

Exit status: 0 without drift (fields other tools added are information only), 1 with drift or when
an object could not be checked, 2 on usage or config errors.`,
  policy: `Usage: capstan policy (--repo DIR --ref REF | --dir DIR) [options]

Renders every environment and runs the policy checks on its objects. Findings name the rule, the
object, and the file and line of the offending field.

Sources (one of):
  --repo DIR --ref REF   a local git repository, tree taken at a ref
  --dir DIR              a directory

Options:
  --config FILE        config to use (default: .github/capstan.yml in the tree)
  --env NAME           an environment to check; repeatable (default: all)
  --format FORMAT      text (default) or json
  --kubeconfig PATH    validate custom resources against the CRDs this cluster serves, for every
                       environment that names a cluster
  --context C          a context of the kubeconfig (default: its current one)

Exit status: 0 when no error-severity finding exists, 1 when one does (or an environment could not be
rendered), 2 on usage or config errors.`,
};

/**
 * Maps argv (without the node and script paths) to a command.
 *
 * @throws UsageError with a message naming the problem
 */
export function parseCommand(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  switch (name) {
    case undefined:
    case "help":
    case "--help":
    case "-h":
      return { name: "help", topic: rest[0] };
    case "--version":
    case "version":
      return { name: "version" };
    case "diff":
      return { name: "diff", options: parseDiff(rest) };
    case "policy":
      return { name: "policy", options: parsePolicy(rest) };
    case "health":
      return { name: "health", options: parseHealth(rest) };
    case "sync":
      return { name: "sync", options: parseSync(rest) };
    case "drift":
      return { name: "drift", options: parseDrift(rest) };
    default:
      throw new UsageError(`unknown command "${name}"\n\n${USAGE.main}`);
  }
}

function parseDiff(args: readonly string[]): DiffOptions {
  const { values } = parseStrict(args, {
    repo: { type: "string" },
    base: { type: "string" },
    head: { type: "string" },
    "base-dir": { type: "string" },
    "head-dir": { type: "string" },
    config: { type: "string" },
    env: { type: "string", multiple: true },
    format: { type: "string", default: "markdown" },
    pr: { type: "string" },
    comment: { type: "boolean", default: false },
    kubeconfig: { type: "string" },
    context: { type: "string" },
  });
  const format = values.format;
  if (format !== "markdown" && format !== "json")
    throw new UsageError(`--format must be markdown or json (got "${format}")`);
  const usingRepo = values.repo !== undefined || values.base !== undefined || values.head !== undefined;
  const usingDirs = values["base-dir"] !== undefined || values["head-dir"] !== undefined;
  const usingPr = values.pr !== undefined;
  if ([usingRepo, usingDirs, usingPr].filter(Boolean).length !== 1) {
    throw new UsageError(
      `give one of --repo DIR --base REF --head REF, --base-dir A --head-dir B, or --pr OWNER/REPO#N\n\n${USAGE.diff}`,
    );
  }
  if (values.comment && !usingPr) throw new UsageError("--comment goes with --pr");
  // The sticky comment and the checks describe the whole change, as the App's do: a preview of some
  // environments never replaces them.
  if (values.comment && values.env?.length)
    throw new UsageError(
      "--comment posts the preview of every environment, as the App does; it does not go with --env",
    );
  const options: DiffOptions = {
    environments: values.env ?? [],
    format,
    config: values.config,
    cluster: clusterOption(values),
  };
  if (usingPr) {
    options.pr = parsePullRequestRef(values.pr!);
    options.comment = values.comment;
  } else if (usingRepo) {
    if (!values.repo || !values.base || !values.head)
      throw new UsageError("--repo, --base and --head go together");
    options.repo = { dir: values.repo, base: values.base, head: values.head };
  } else {
    if (!values["base-dir"] || !values["head-dir"])
      throw new UsageError("--base-dir and --head-dir go together");
    options.dirs = { base: values["base-dir"], head: values["head-dir"] };
  }
  return options;
}

/**
 * Reads a pull request as `OWNER/REPO#N` or its URL (`https://github.com/OWNER/REPO/pull/N`, any host for
 * GitHub Enterprise Server).
 *
 * @throws UsageError for anything else
 */
export function parsePullRequestRef(text: string): PullRequestRef {
  const name = "[A-Za-z0-9_.-]+";
  const match =
    new RegExp(`^(${name})/(${name})#([1-9]\\d{0,9})$`).exec(text) ??
    new RegExp(`^https://[^/]+/(${name})/(${name})/pull/([1-9]\\d{0,9})/?(?:[?#].*)?$`).exec(text);
  const [, owner, repo, number] = match ?? [];
  if (!owner || !repo || !number || [owner, repo].some((n) => n === "." || n === ".."))
    throw new UsageError(`--pr must be OWNER/REPO#N or a pull request's URL (got "${text}")`);
  return { owner, repo, number: Number(number) };
}

function parseHealth(args: readonly string[]): HealthOptions {
  const { values } = parseStrict(args, {
    file: { type: "string", short: "f" },
    env: { type: "string" },
    kubeconfig: { type: "string" },
    context: { type: "string" },
    namespace: { type: "string" },
    format: { type: "string", default: "text" },
  });
  if (values.format !== "text" && values.format !== "json") {
    throw new UsageError(`--format must be text or json (got "${values.format}")`);
  }
  if ((values.file === undefined) === (values.env === undefined))
    throw new UsageError(`give either -f FILE (- for stdin) or --env NAME\n\n${USAGE.health}`);
  if (values.env !== undefined) {
    if (!values.kubeconfig) throw new UsageError("--env needs --kubeconfig PATH");
    return {
      environment: {
        name: values.env,
        kubeconfig: values.kubeconfig,
        context: values.context,
        namespace: values.namespace,
      },
      format: values.format,
    };
  }
  if (values.kubeconfig || values.context || values.namespace)
    throw new UsageError("--kubeconfig, --context and --namespace go with --env");
  return { file: values.file, format: values.format };
}

function parseDrift(args: readonly string[]): DriftCommandOptions {
  const { values } = parseStrict(args, {
    repo: { type: "string" },
    dir: { type: "string" },
    env: { type: "string" },
    config: { type: "string" },
    kubeconfig: { type: "string" },
    context: { type: "string" },
    format: { type: "string", default: "text" },
  });
  const format = values.format;
  if (format !== "text" && format !== "json")
    throw new UsageError(`--format must be text or json (got "${format}")`);
  if ((values.repo === undefined) === (values.dir === undefined))
    throw new UsageError(`give either --repo DIR or --dir DIR\n\n${USAGE.drift}`);
  if (!values.env) throw new UsageError("--env NAME is required");
  if (!values.kubeconfig) throw new UsageError("--kubeconfig PATH is required");
  return {
    ...(values.repo !== undefined ? { repo: values.repo } : { dir: values.dir }),
    config: values.config,
    environment: values.env,
    kubeconfig: values.kubeconfig,
    context: values.context,
    format,
  };
}

function parseSync(args: readonly string[]): SyncCommandOptions {
  const { values } = parseStrict(args, {
    repo: { type: "string" },
    ref: { type: "string" },
    dir: { type: "string" },
    env: { type: "string" },
    config: { type: "string" },
    kubeconfig: { type: "string" },
    context: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    "no-prune": { type: "boolean", default: false },
    wait: { type: "boolean", default: false },
    timeout: { type: "string" },
    repository: { type: "string" },
    "repository-id": { type: "string" },
    format: { type: "string", default: "text" },
  });
  const format = values.format;
  if (format !== "text" && format !== "json")
    throw new UsageError(`--format must be text or json (got "${format}")`);
  if ((values.repository === undefined) !== (values["repository-id"] === undefined))
    throw new UsageError("--repository and --repository-id go together");
  const id = values["repository-id"];
  if (id !== undefined && !/^[1-9]\d{0,15}$/.test(id))
    throw new UsageError(`--repository-id must be a repository's numeric id (got "${id}")`);
  const usingRepo = values.repo !== undefined || values.ref !== undefined;
  if (usingRepo === (values.dir !== undefined))
    throw new UsageError(`give either --repo DIR --ref REF, or --dir DIR\n\n${USAGE.sync}`);
  if (usingRepo && (!values.repo || !values.ref)) throw new UsageError("--repo and --ref go together");
  if (!values.env) throw new UsageError("--env NAME is required: a sync deploys one environment");
  if (!values.kubeconfig) throw new UsageError("--kubeconfig PATH is required");
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    try {
      timeoutMs = parseDuration(values.timeout);
    } catch (err) {
      throw new UsageError(`--timeout: ${(err as Error).message}`);
    }
    if (!values.wait) throw new UsageError("--timeout goes with --wait");
  }
  if (values.wait && values["dry-run"])
    throw new UsageError("--wait cannot go with --dry-run: nothing is applied");
  return {
    ...(usingRepo ? { repo: { dir: values.repo!, ref: values.ref! } } : { dir: values.dir }),
    config: values.config,
    environment: values.env,
    kubeconfig: values.kubeconfig,
    context: values.context,
    dryRun: values["dry-run"],
    prune: !values["no-prune"],
    wait: values.wait,
    timeoutMs,
    ...(id !== undefined ? { owner: { id: Number(id), name: values.repository! } } : {}),
    format,
  };
}

function parsePolicy(args: readonly string[]): PolicyOptions {
  const { values } = parseStrict(args, {
    repo: { type: "string" },
    ref: { type: "string" },
    dir: { type: "string" },
    config: { type: "string" },
    env: { type: "string", multiple: true },
    format: { type: "string", default: "text" },
    kubeconfig: { type: "string" },
    context: { type: "string" },
  });
  const format = values.format;
  if (format !== "text" && format !== "json")
    throw new UsageError(`--format must be text or json (got "${format}")`);
  const usingRepo = values.repo !== undefined || values.ref !== undefined;
  if (usingRepo === (values.dir !== undefined)) {
    throw new UsageError(`give either --repo DIR --ref REF, or --dir DIR\n\n${USAGE.policy}`);
  }
  const options: PolicyOptions = {
    environments: values.env ?? [],
    format,
    config: values.config,
    cluster: clusterOption(values),
  };
  if (usingRepo) {
    if (!values.repo || !values.ref) throw new UsageError("--repo and --ref go together");
    options.repo = { dir: values.repo, ref: values.ref };
  } else {
    options.dir = values.dir;
  }
  return options;
}

// `--kubeconfig PATH [--context C]`, for the commands that only read CRDs from a cluster.
function clusterOption(values: { kubeconfig?: string; context?: string }) {
  if (values.context !== undefined && values.kubeconfig === undefined)
    throw new UsageError("--context goes with --kubeconfig");
  return values.kubeconfig === undefined
    ? undefined
    : { kubeconfig: values.kubeconfig, ...(values.context ? { context: values.context } : {}) };
}

type OptionSpec = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

function parseStrict<T extends OptionSpec>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
