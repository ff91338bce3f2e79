import type { Config, Environment, Severity } from "../config/index.js";
import { RULES } from "./rules/index.js";
import type { PolicySettings } from "./types.js";

/** What the policy checks of one environment run with: each rule's severity and the rules' parameters. */
export interface ResolvedPolicy {
  /** Each rule's severity: its default, or what the config set. */
  severities: Map<string, Severity>;
  /** The rules whose severity the config set explicitly; their findings all take that severity. */
  configured: Set<string>;
  settings: Omit<PolicySettings, "objects">;
}

/**
 * Resolves policy for one environment: each rule's default severity, then the repository's
 * `policy.rules`, then the environment's. Parameters set on the environment replace the repository's.
 */
export function resolvePolicy(config: Config, env: Environment): ResolvedPolicy {
  const repo = config.policy;
  const own = env.policy;
  const severities = new Map<string, Severity>(RULES.map((r) => [r.id, r.defaultSeverity]));
  const configured = new Set<string>();
  for (const [id, severity] of Object.entries({ ...repo.rules, ...own?.rules })) {
    severities.set(id, severity);
    configured.add(id);
  }
  return {
    severities,
    configured,
    settings: {
      namespace: env.namespace,
      kubeVersion: env.kubeVersion,
      requiredLabels: own?.requiredLabels ?? repo.requiredLabels ?? [],
      minReplicas: own?.minReplicas ?? repo.minReplicas,
      namespaces: own?.namespaces ?? repo.namespaces ?? [env.namespace],
      clusterScoped: own?.clusterScoped ?? repo.clusterScoped ?? [],
      defaults: {
        namespaces: (own?.namespaces ?? repo.namespaces) === undefined,
        clusterScoped: (own?.clusterScoped ?? repo.clusterScoped) === undefined,
      },
    },
  };
}
