// Builds (or reuses) the real kustomize and helm before any test runs, and puts them on PATH for the
// test workers. Tests never fall back to a fake renderer: without the tools the run fails here.
import { execFileSync } from "node:child_process";
import { delimiter } from "node:path";

export default function setup(): void {
  const bin = execFileSync("bash", ["scripts/tools.sh"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  })
    .trim()
    .split("\n")
    .at(-1)!;
  process.env.PATH = `${bin}${delimiter}${process.env.PATH ?? ""}`;
}
