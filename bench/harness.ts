// Shared timing for the benchmarks: each contender runs alternately, after a warm-up, and the median of
// the runs is compared, so a noisy neighbour on the 2-core machine hurts both sides alike.
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/dist\/?$/, "/");

/** A named thing to time. */
export interface Contender {
  name: string;
  run: () => Promise<unknown> | unknown;
}

/** Times two contenders `runs` times each, alternating, and prints medians and their ratio. */
export async function compare(title: string, ours: Contender, peer: Contender, runs = 5): Promise<number> {
  await ours.run();
  await peer.run();
  const times: Record<string, number[]> = { [ours.name]: [], [peer.name]: [] };
  for (let i = 0; i < runs; i++) {
    for (const c of i % 2 === 0 ? [ours, peer] : [peer, ours]) {
      const start = performance.now();
      await c.run();
      times[c.name]!.push(performance.now() - start);
    }
  }
  const a = median(times[ours.name]!);
  const b = median(times[peer.name]!);
  const ratio = a / b;
  console.log(`\n${title}`);
  console.log(`  ${ours.name.padEnd(34)} ${a.toFixed(0).padStart(7)} ms (median of ${runs})`);
  console.log(`  ${peer.name.padEnd(34)} ${b.toFixed(0).padStart(7)} ms (median of ${runs})`);
  console.log(`  ratio                              ${ratio.toFixed(2)}×`);
  return ratio;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
}
