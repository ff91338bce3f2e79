// `capstan diff` on a generated monorepo of 300 kustomize environments (then 1,000), for three pull
// requests, against the bare `kustomize build` runs a preview of every environment at base and head
// needs, run one after another as a script would (timed in the same run).
// Goals on 2 cores: docs only and one environment ≤ 0.1×; a shared base ≤ 0.6× cold and ≤ 0.4× with the
// base side cached; peak RSS ≤ 500 MB.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { putToolsOnPath } from "../scripts/tools-bin.js";
import { diff } from "../src/commands/diff.js";
import { policy } from "../src/commands/policy.js";
import { environmentNames, headOf, PULL_REQUESTS, writeMonorepo } from "./monorepo.js";

// A child run: one diff, then its peak RSS, so the parent's own memory stays out of the figure.
if (process.argv[2] === "--child") {
  const [, , , base, head] = process.argv;
  const started = performance.now();
  await diff({ dirs: { base: base!, head: head! }, environments: [], format: "markdown" });
  console.log(
    JSON.stringify({ ms: performance.now() - started, rssMb: process.resourceUsage().maxRSS / 1024 }),
  );
  process.exit(0);
}

const bin = putToolsOnPath();
const work = mkdtempSync(join(tmpdir(), "capstan-monorepo-"));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function time(run: () => unknown, runs: number, before?: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await before?.();
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return median(times);
}

// A fresh render cache for the next run.
function coldCache(): void {
  process.env.CAPSTAN_CACHE_DIR = mkdtempSync(join(work, "cache-"));
}

// With `peer`, the bare renders are timed too (once: they take minutes, so their noise is small) and
// ratios printed; without, the absolute figures show how time and memory grow with the environments.
async function size(count: number, runs: number, withPeer: boolean): Promise<void> {
  const base = join(work, `base-${count}`);
  writeMonorepo(base, count);
  const names = environmentNames(count);
  const peer = withPeer
    ? await time(() => {
        for (const root of [base, base])
          for (const name of names) execFileSync(join(bin, "kustomize"), ["build", join(root, "envs", name)]);
      }, 1)
    : undefined;
  console.log(
    peer
      ? `\n${count} environments: ${2 * count}× kustomize build, one after another: ${peer.toFixed(0)} ms`
      : `\n${count} environments (no peer timed: ${2 * count} kustomize builds take minutes)`,
  );
  const ratio = (ms: number) => (peer ? `  ${(ms / peer).toFixed(3)}×` : "");
  for (const [label, change] of Object.entries(PULL_REQUESTS)) {
    const head = join(work, `head-${count}-${label.split(" ")[1]}`);
    headOf(base, head, change);
    const run = () => diff({ dirs: { base, head }, environments: [], format: "markdown" });
    const cold = await time(run, runs, coldCache);
    const child = spawnSync(process.execPath, [process.argv[1]!, "--child", base, head], {
      env: { ...process.env, CAPSTAN_CACHE_DIR: mkdtempSync(join(work, "cache-")) },
      encoding: "utf8",
    });
    const { rssMb } = JSON.parse(child.stdout.trim().split("\n").at(-1)!) as { rssMb: number };
    let line = `  ${label.padEnd(48)} cold ${cold.toFixed(0).padStart(6)} ms${ratio(cold)}`;
    if (label.startsWith("a shared base")) {
      const warm = await time(run, runs, async () => {
        coldCache();
        await policy({ dir: base, environments: [], format: "text" });
      });
      line += `   base side cached ${warm.toFixed(0).padStart(6)} ms${ratio(warm)}`;
    }
    console.log(`${line}   peak RSS ${rssMb.toFixed(0)} MB`);
    rmSync(head, { recursive: true, force: true });
  }
}

try {
  await size(300, 3, true);
  await size(1000, 1, false);
} finally {
  rmSync(work, { recursive: true, force: true });
}
