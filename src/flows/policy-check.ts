import type { Config } from "../config/index.js";
import { ConfigError, errorMessage } from "../errors.js";
import { withClusterScope } from "../manifests/index.js";
import { type PolicyResult, resolvePolicy, runPolicy } from "../policy/index.js";
import { type RenderOptions, renderEnvironment } from "../render/index.js";
import { type SchemaSource, selectEnvironments, servedSchemas } from "./preview.js";
import { readTreeConfig } from "./tree-config.js";

/** One checked-out tree and what to check in it. */
export interface PolicyCheckInput {
  /** Absolute path of the tree. */
  root: string;
  /** A config to use instead of the tree's `.github/capstan.yml`. */
  config?: Config;
  /** Environment names to check; all when empty. */
  environments: readonly string[];
  render: RenderOptions;
  /** Reads the schemas of custom resource kinds the render does not define from an environment's cluster. */
  schemas?: SchemaSource;
}

/** The policy outcome of one environment, or why it could not be checked. */
export interface EnvironmentPolicy {
  name: string;
  policy?: PolicyResult;
  error?: string;
}

/**
 * Checks the policy of a tree, environment by environment.
 *
 * 1. Read the config (the given one, or the tree's).
 * 2. Render each selected environment with its real renderer.
 * 3. Run the rules with the environment's resolved settings.
 *
 * A render failure is reported for its environment and does not stop the others.
 *
 * @throws ConfigError when there is no valid config; UsageError for an unknown environment name
 */
export async function checkPolicy(input: PolicyCheckInput): Promise<EnvironmentPolicy[]> {
  const config = input.config ?? (await readTreeConfig(input.root));
  if (!config) {
    throw new ConfigError(".github/capstan.yml", [
      { line: 1, path: "", message: "does not exist; add one or pass --config" },
    ]);
  }
  const results: EnvironmentPolicy[] = [];
  for (const env of selectEnvironments(config, input.environments)) {
    try {
      let { manifests } = await renderEnvironment(input.root, env, input.render);
      const policy = resolvePolicy(config, env);
      const served = await servedSchemas(env, input.schemas, manifests);
      if (served) {
        policy.settings.cluster = served;
        const scoped = new Set(served.clusterScoped);
        manifests = withClusterScope(manifests, (apiVersion, kind) => scoped.has(`${apiVersion}/${kind}`));
      }
      results.push({ name: env.name, policy: runPolicy(manifests, policy) });
    } catch (err) {
      results.push({ name: env.name, error: errorMessage(err) });
    }
  }
  return results;
}
