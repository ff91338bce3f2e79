export { API_REMOVALS, type ApiRemoval, findRemoval } from "./api-removals.js";
export { runPolicy, SKIP_ANNOTATION } from "./engine.js";
export {
  describeFindings,
  type NamespaceOwners,
  namespaceOutOfReach,
  namespacesUsed,
  REACH_RULE,
  reachFindings,
} from "./reach.js";
export { RULE_IDS } from "./rule-ids.js";
export { RULES } from "./rules/index.js";
export { kindsWithoutSchema } from "./rules/schema.js";
export { type ResolvedPolicy, resolvePolicy } from "./settings.js";
export { countFindings, summarizeFindings } from "./summary.js";
export type {
  ClusterSchemas,
  Exemption,
  Finding,
  FindingSeverity,
  PolicyResult,
  PolicySettings,
  Rule,
  Violation,
} from "./types.js";
