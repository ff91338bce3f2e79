import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./fixtures.js";

const run = promisify(execFile);

/** What a run of the real entry point printed and how it exited. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `capstan ARGS` through the bundle, dist/bundle/capstan.mjs (built once by test/setup/build.ts), the way users run it. */
export function cli(...args: string[]): Promise<CliResult> {
  return run("node", [join(ROOT, "dist/bundle/capstan.mjs"), ...args], { cwd: ROOT }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: CliResult) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}
