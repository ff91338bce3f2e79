import { readFile } from "node:fs/promises";
import { type Config, parseConfig } from "../config/index.js";
import { ConfigError } from "../errors.js";

/** Reads `--config FILE`, naming the file in every error. */
export async function readConfigFile(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new ConfigError(path, [
      { line: 1, path: "", message: `cannot be read (${(err as NodeJS.ErrnoException).code})` },
    ]);
  }
  return parseConfig(text, path);
}
