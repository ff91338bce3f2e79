import { lstat, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  CONFIG_PATH,
  type Config,
  MAX_CONFIG_BYTES,
  parseConfig,
  type SemanticProblem,
} from "../config/index.js";
import { ConfigError } from "../errors.js";
import { resolveInside } from "../render/index.js";

/**
 * Reads `.github/capstan.yml` from a repository tree. Returns `undefined` when the tree has none.
 *
 * @throws ConfigError when it is invalid, too big, or a link leaving the tree
 */
export async function readTreeConfig(
  root: string,
  file = CONFIG_PATH,
  extraChecks?: (config: Config) => SemanticProblem[],
): Promise<Config | undefined> {
  const absolute = join(root, file);
  let size: number;
  try {
    size = (await lstat(absolute)).size;
  } catch {
    return undefined;
  }
  try {
    await resolveInside(await resolveInside("/", root), absolute);
  } catch (err) {
    throw new ConfigError(file, [{ line: 1, path: "", message: (err as Error).message }]);
  }
  if (size > MAX_CONFIG_BYTES) {
    throw new ConfigError(file, [
      { line: 1, path: "", message: `is larger than ${MAX_CONFIG_BYTES / 1024} KiB` },
    ]);
  }
  return parseConfig(await readFile(absolute, "utf8"), file, extraChecks);
}
