import { RULE_IDS } from "../policy/rule-ids.js";
import { type Config, configSchema } from "./schema.js";
import { validateConfig } from "./validate.js";
import { parseYamlConfig, type SemanticProblem } from "./yaml-config.js";

/** Where a repository keeps its Capstan config. */
export const CONFIG_PATH = ".github/capstan.yml";

/** The largest config file Capstan reads; a config is a few kilobytes. */
export const MAX_CONFIG_BYTES = 256 * 1024;

/**
 * Parses and validates a repository config.
 *
 * @param file the repository-relative name used in messages, e.g. `.github/capstan.yml`
 * @param extraChecks checks that need more than the file (which clusters the server allows), reported at
 *   their keys' lines like the rest
 * @throws ConfigError listing every problem with its line and key path
 */
export function parseConfig(
  text: string,
  file = CONFIG_PATH,
  extraChecks: (config: Config) => SemanticProblem[] = () => [],
): Config {
  return parseYamlConfig(text, file, configSchema, {
    maxBytes: MAX_CONFIG_BYTES,
    emptyMessage: "is empty; it needs an environments list",
    semantic: (config) => [...validateConfig(config, RULE_IDS), ...extraChecks(config)],
  });
}
