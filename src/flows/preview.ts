import type { Config, Environment, Reach, SemanticProblem, ServerConfig } from "../config/index.js";
import { diffManifests } from "../diff/index.js";
import { ConfigError, errorMessage, UsageError } from "../errors.js";
import { describeFreeze, environmentFreeze, freezeEnd } from "../freeze/index.js";
import { type Manifest, withClusterScope } from "../manifests/index.js";
import {
  type ClusterSchemas,
  kindsWithoutSchema,
  reachFindings,
  resolvePolicy,
  runPolicy,
} from "../policy/index.js";
import {
  changedFiles,
  inputClosure,
  PathMissingError,
  type RenderOptions,
  reads,
  renderEnvironment,
} from "../render/index.js";
import type { EnvironmentReport } from "../report/index.js";
import { readTreeConfig } from "./tree-config.js";

/** Two checked-out trees of one repository and how to read them. */
export interface PreviewInput {
  /** Absolute path of the base tree (what is merged now). */
  baseRoot: string;
  /** Absolute path of the head tree (what the change proposes). */
  headRoot: string;
  /** A config to use for both sides instead of each tree's `.github/capstan.yml`. */
  config?: Config;
  /** Environment names to preview; all of the head config's when empty. */
  environments: readonly string[];
  render: RenderOptions;
  /** Checks of the head's config beyond the file itself (the clusters the server allows). */
  configChecks?: (config: Config) => SemanticProblem[];
  /**
   * The server config's bounds on each environment's cluster, for this repository: objects out of reach
   * are policy errors at head, which no repository setting can turn off.
   */
  reach?: { of: (env: Environment) => Reach | undefined; repositoryId: number };
  /** Reads the schemas of custom resource kinds (`group/version/Kind`) from an environment's cluster. */
  schemas?: SchemaSource;
  /**
   * When the preview is made, and the server config whose clusters' freeze windows apply: an environment
   * in a freeze says that merging does not deploy it until the freeze ends.
   */
  freeze?: { now: Date; server?: ServerConfig };
}

/** Where the schemas of custom resources a render does not define come from: the target cluster. */
export type SchemaSource = (cluster: string, gvks: string[]) => Promise<ClusterSchemas>;

/** What a preview found. */
export interface PreviewResult {
  environments: EnvironmentReport[];
  /** Environments the base's config has and the head's no longer does (empty when some were selected). */
  removedEnvironments: string[];
}

/**
 * Previews what merging head into base changes, environment by environment.
 *
 * 1. Read the config at head (or the given one); that decides which environments exist.
 * 2. Read the config at base, so the base side renders as it is deployed today. An environment new in
 *    the head has nothing at its base.
 * 3. Render both sides of each environment with the real renderer, in parallel.
 * 4. Diff object by object (normalized, Secrets masked).
 * 5. Run the policy checks on the head's objects, and the server config's bounds on what the repository
 *    may write into the environment's cluster. Custom resources whose CRD is not in the render are
 *    validated against the CRD the environment's cluster serves, when there is a schema source.
 *
 * A render failure is reported for its environment and does not stop the others. Environments that the
 * head's config dropped are named, since Capstan stops syncing them and leaves their objects behind.
 *
 * @throws ConfigError when the head has no valid config; UsageError for an unknown environment name
 */
export async function previewEnvironments(input: PreviewInput): Promise<PreviewResult> {
  const headConfig = input.config ?? (await readTreeConfig(input.headRoot, undefined, input.configChecks));
  if (!headConfig) {
    throw new ConfigError(".github/capstan.yml", [
      { line: 1, path: "", message: "does not exist at head; add one or pass --config" },
    ]);
  }
  const notices: string[] = [];
  let baseConfig = input.config;
  if (!baseConfig) {
    try {
      baseConfig = await readTreeConfig(input.baseRoot);
    } catch (err) {
      notices.push(
        `the base's config is invalid, so the base is rendered with the head's settings: ${errorMessage(err)}`,
      );
      baseConfig = headConfig;
    }
  }
  const selected = selectEnvironments(headConfig, input.environments);
  // Asked for by name, an environment is rendered whatever changed; otherwise only what a change reaches.
  const changed =
    input.environments.length === 0 && input.baseRoot !== input.headRoot
      ? await changedFiles(input.baseRoot, input.headRoot)
      : undefined;
  const sameSettings =
    changed !== undefined && baseConfig !== undefined && sameRepositorySettings(baseConfig, headConfig);
  const reports = await mapInOrder(selected, input.render.concurrency, async (env) => {
    const baseEnv = baseConfig?.environments.find((e) => e.name === env.name);
    if (sameSettings && baseEnv && (await unaffected(input, baseEnv, env, changed!)))
      return { name: env.name, notices: [], unaffected: true };
    return previewOne(input, { config: headConfig, env }, baseEnv, notices);
  });
  if (input.freeze) {
    for (const [i, env] of selected.entries()) {
      const report = reports[i]!;
      // Only where a merge deploys: an environment with a cluster and autoSync.
      const freeze =
        env.cluster && env.autoSync
          ? environmentFreeze(headConfig, env, input.freeze.server, input.freeze.now)
          : undefined;
      if (!freeze || report.unaffected) continue;
      report.warnings = [
        ...(report.warnings ?? []),
        `A deploy freeze is on: merging does not deploy ${env.name} until ${freezeEnd(freeze)} (${describeFreeze(freeze)}). Capstan deploys the branch head then; its automatic reverts still deploy during the freeze.`,
      ];
    }
  }
  const headNames = new Set(headConfig.environments.map((e) => e.name));
  const removedEnvironments =
    input.environments.length > 0
      ? []
      : (baseConfig?.environments ?? []).map((e) => e.name).filter((name) => !headNames.has(name));
  return { environments: reports, removedEnvironments };
}

// Whether neither the environment's settings nor any file its render reads (at base or at head) changed.
async function unaffected(
  input: PreviewInput,
  baseEnv: Environment,
  env: Environment,
  changed: ReadonlySet<string>,
): Promise<boolean> {
  const { freeze: _bf, ...baseSettings } = baseEnv;
  const { freeze: _hf, ...headSettings } = env;
  if (JSON.stringify(baseSettings) !== JSON.stringify(headSettings)) return false;
  const head = await inputClosure(input.headRoot, env, input.render.limits);
  // When nothing the head's closure holds changed, its kustomizations read the same at the base, so
  // the base's walk would find the same closure: it is not walked again (half a docs-only preview).
  return head !== undefined && !reads(head, changed);
}

// Repository-wide settings (the policy) change every environment's checks, if not its objects. Freeze
// windows change neither: they decide when a merge deploys, not what.
function sameRepositorySettings(base: Config, head: Config): boolean {
  const { environments: _b, freeze: _bf, ...baseRest } = base;
  const { environments: _h, freeze: _hf, ...headRest } = head;
  return JSON.stringify(baseRest) === JSON.stringify(headRest);
}

// Runs `fn` over `items`, at most `limit` at once, with the results in the items' order.
async function mapInOrder<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * The environments of a config named in `names`, in that order; all of them when `names` is empty.
 *
 * @throws UsageError naming an environment the config does not have
 */
export function selectEnvironments(config: Config, names: readonly string[]): Environment[] {
  if (names.length === 0) return config.environments;
  return names.map((name) => {
    const env = config.environments.find((e) => e.name === name);
    if (!env) {
      const known = config.environments.map((e) => e.name).join(", ");
      throw new UsageError(`no environment named "${name}" in the config (it has: ${known})`);
    }
    return env;
  });
}

async function previewOne(
  input: PreviewInput,
  { config, env }: { config: Config; env: Environment },
  baseEnv: Environment | undefined,
  notices: readonly string[],
): Promise<EnvironmentReport> {
  const [base, head] = await Promise.allSettled([
    baseEnv ? renderSide(input.baseRoot, baseEnv, input.render, true) : Promise.resolve(undefined),
    renderSide(input.headRoot, env, input.render, false),
  ]);
  const report: EnvironmentReport = { name: env.name, notices: [...notices] };
  if (head.status === "rejected" || base.status === "rejected") {
    const errors = [];
    if (base.status === "rejected") errors.push(`at base: ${errorMessage(base.reason)}`);
    if (head.status === "rejected") errors.push(`at head: ${errorMessage(head.reason)}`);
    report.error = errors.join("\n");
    if (head.status === "fulfilled") report.renderer = head.value?.renderer;
    return report;
  }
  report.renderer = head.value?.renderer;
  report.notices.push(...(head.value?.notices ?? []));
  let baseManifests = base.value?.manifests ?? [];
  let manifests = head.value?.manifests ?? [];
  const policy = resolvePolicy(config, env);
  // What the render cannot know about kinds whose CRD is installed separately, the cluster says: their
  // schema, and their scope (a ClusterIssuer must not be diffed as if it lived in a namespace).
  const served = await servedSchemas(env, input.schemas, manifests, baseManifests);
  if (served) {
    policy.settings.cluster = served;
    const scoped = new Set(served.clusterScoped);
    const isClusterScoped = (apiVersion: string, kind: string) => scoped.has(`${apiVersion}/${kind}`);
    baseManifests = withClusterScope(baseManifests, isClusterScoped);
    manifests = withClusterScope(manifests, isClusterScoped);
  }
  report.diff = diffManifests(baseManifests, manifests);
  report.policy = runPolicy(manifests, policy);
  const reach = input.reach?.of(env);
  if (reach) {
    // The namespaces' live owners are judged at sync: a preview reads no cluster.
    const bounds = reachFindings(manifests, reach, input.reach!.repositoryId);
    report.policy.findings.unshift(...bounds);
  }
  return report;
}

/**
 * What an environment's cluster serves for the custom resource kinds its renders do not define (their
 * schemas and scopes); `undefined` when there are none, or no cluster or source to ask.
 */
export async function servedSchemas(
  env: Environment,
  schemas: SchemaSource | undefined,
  ...renders: Manifest[][]
): Promise<ClusterSchemas | undefined> {
  if (!env.cluster || !schemas) return undefined;
  const unknown = [...new Set(renders.flatMap((r) => kindsWithoutSchema(r, env.kubeVersion)))];
  return unknown.length > 0 ? schemas(env.cluster, unknown) : undefined;
}

async function renderSide(root: string, env: Environment, options: RenderOptions, isBase: boolean) {
  try {
    return await renderEnvironment(root, env, options);
  } catch (err) {
    // An environment added by this change has no path at its base yet: everything is new.
    if (isBase && err instanceof PathMissingError)
      return { renderer: undefined, manifests: [] as Manifest[], notices: [] };
    throw err;
  }
}
