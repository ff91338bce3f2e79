import { repoPath } from "./paths.js";
import type { Config } from "./schema.js";
import { closest } from "./suggest.js";
import type { SemanticProblem } from "./yaml-config.js";

/**
 * Checks what the schema cannot say: environment names are unique, paths and values files stay inside
 * the repository, helm settings only go with a renderer that can use them, and policy rules exist.
 */
export function validateConfig(config: Config, ruleIds: readonly string[]): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const checkRules = (rules: Record<string, unknown>, path: Array<string | number>) => {
    for (const id of Object.keys(rules)) {
      if (!ruleIds.includes(id)) {
        const near = closest(id, ruleIds);
        const message = near ? `did you mean "${near}"?` : `the rules are ${ruleIds.join(", ")}`;
        problems.push({ path: [...path, id], message: `unknown policy rule; ${message}` });
      }
    }
  };
  checkRules(config.policy.rules, ["policy", "rules"]);
  const names = new Map<string, number>();
  config.environments.forEach((env, i) => {
    if (env.policy) checkRules(env.policy.rules, ["environments", i, "policy", "rules"]);
    const first = names.get(env.name);
    if (first !== undefined) {
      problems.push({
        path: ["environments", i, "name"],
        message: `"${env.name}" is already the name of environments[${first}]; names must be unique`,
      });
    } else {
      names.set(env.name, i);
    }
    const envPath = repoPath(env.path);
    if (envPath === null) {
      problems.push({
        path: ["environments", i, "path"],
        message: `"${env.path}" leaves the repository; use a path relative to the repository root`,
      });
    }
    env.helm.valuesFiles.forEach((file, j) => {
      if (envPath === null || repoPath(file, envPath) === null) {
        problems.push({
          path: ["environments", i, "helm", "valuesFiles", j],
          message: `"${file}" leaves the repository; values files are relative to the environment's path`,
        });
      }
    });
    const timeout = durationProblem(env.healthTimeout);
    if (timeout) problems.push({ path: ["environments", i, "healthTimeout"], message: timeout });
    // A drift check lists and dry-runs the whole environment: more often than every 2 minutes costs the
    // apiserver more than it tells anyone.
    const interval = durationProblem(env.drift.interval, 2 * 60_000);
    if (interval) problems.push({ path: ["environments", i, "drift", "interval"], message: interval });
    const grace = durationProblem(env.drift.grace);
    if (grace) problems.push({ path: ["environments", i, "drift", "grace"], message: grace });
    const helmSet =
      env.helm.releaseName !== undefined ||
      env.helm.namespace !== undefined ||
      env.helm.valuesFiles.length > 0;
    if (helmSet && env.renderer !== "helm" && env.renderer !== "auto") {
      problems.push({
        path: ["environments", i, "helm"],
        message: `helm settings need renderer: helm (this environment uses ${env.renderer})`,
      });
    }
  });
  return problems;
}

/** The longest duration a config or flag may give: longer waits are mistakes, and Node's timers overflow. */
export const MAX_DURATION_MS = 24 * 60 * 60 * 1000;

/**
 * Parses a duration such as `90s`, `5m` or `1h30m` (the config's format) into milliseconds.
 *
 * @throws Error when it is empty, malformed, zero or longer than 24 h
 */
export function parseDuration(text: string): number {
  const problem = durationProblem(text);
  if (problem) throw new Error(`invalid duration "${text}": ${problem}`);
  return durationMs(text)!;
}

function durationMs(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!match || text === "") return undefined;
  const [, h = "0", m = "0", s = "0"] = match;
  return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000;
}

// Why a duration is not usable, or undefined when it is.
function durationProblem(text: string, minMs = 1000): string | undefined {
  const ms = durationMs(text);
  if (ms === undefined) return "must be a duration such as 90s, 5m or 1h30m";
  if (ms < minMs) return `must be at least ${minMs >= 60_000 ? `${minMs / 60_000}m` : `${minMs / 1000}s`}`;
  if (ms > MAX_DURATION_MS) return "must be at most 24h";
  return undefined;
}
