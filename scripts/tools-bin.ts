// Builds (or reuses) the renderer toolchain with scripts/tools.sh and puts its bin folder first on PATH,
// for the test suite and the benchmarks. Progress goes to stderr; a failed build throws.
import { execFileSync } from "node:child_process";
import { delimiter } from "node:path";
import { fileURLToPath } from "node:url";

/** Builds or reuses kustomize, helm and dyff, puts them on PATH, and returns their folder. */
export function putToolsOnPath(): string {
  const script = fileURLToPath(new URL("../scripts/tools.sh", import.meta.url)).replace(
    "/dist/scripts/",
    "/scripts/",
  );
  const output = execFileSync("bash", [script], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const bin = output.trim().split("\n").at(-1)!;
  process.env.PATH = `${bin}${delimiter}${process.env.PATH ?? ""}`;
  return bin;
}
