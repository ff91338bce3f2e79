import { RULES } from "./rules/index.js";

/** The ids of the built-in rules: what `policy.rules` and `capstan.dev/skip-policies` may name. */
export const RULE_IDS: readonly string[] = RULES.map((r) => r.id);
