import { readFile } from "node:fs/promises";
import { ConfigError } from "../errors.js";

/**
 * Reads a config file and parses it, naming the file in every error, including one that cannot be read.
 */
export async function readConfigFile<T>(path: string, parse: (text: string, file: string) => T): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new ConfigError(path, [
      { line: 1, path: "", message: `cannot be read (${(err as NodeJS.ErrnoException).code})` },
    ]);
  }
  return parse(text, path);
}
