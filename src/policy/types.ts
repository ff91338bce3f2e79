import type { KubeObject, Manifest, ObjectRef } from "../manifests/index.js";

/** How strongly a finding counts: an error fails the `capstan/policy` check, a warning informs. */
export type FindingSeverity = "error" | "warning";

/** The settings a rule reads, resolved for one environment (repository-wide, then the environment's). */
export interface PolicySettings {
  /** The environment's default namespace. */
  namespace: string;
  /** Target Kubernetes minor, e.g. `1.36`. */
  kubeVersion: string;
  requiredLabels: string[];
  minReplicas?: number;
  /** Namespaces objects may live in. */
  namespaces: string[];
  /** Cluster-scoped kinds allowed. */
  clusterScoped: string[];
  /**
   * Which of the two the config left at their defaults: then the Namespaces this render creates, and the
   * objects in them, are the environment's too (a repository that installs a controller into its own
   * namespace is the common case), and no cluster-scoped kind is limited by the lint. The operator's
   * hard bounds are the server config's reach.
   */
  defaults?: { namespaces: boolean; clusterScoped: boolean };
  /** Objects of the same render, for rules that look across objects (CRDs for schema validation). */
  objects: readonly Manifest[];
  /** The schemas of custom resources the environment's cluster serves, when it has one and was asked. */
  cluster?: ClusterSchemas;
}

/**
 * Custom resource schemas read from an environment's target cluster by the server (never by a render),
 * for the kinds a render uses that neither Kubernetes nor the render's own CRDs describe.
 */
export interface ClusterSchemas {
  /** The cluster's name in the server config. */
  cluster: string;
  /**
   * `group/version/Kind` → the served version's `openAPIV3Schema`, and a key naming the CRD and its
   * generation (compiled validators are cached by it).
   */
  schemas: Record<string, { key: string; schema: Record<string, unknown> }>;
  /** The `group/version/Kind`s asked for that the cluster serves cluster-scoped. */
  clusterScoped: string[];
  /** `group/version/Kind` → why the cluster has no schema for it ("does not serve it"). */
  missing: Record<string, string>;
  /** Why the cluster was not read at all, as a clause: "the CRDs of cluster test could not be read (…)". */
  unavailable?: string;
}

/** One thing a rule found wrong with one object. */
export interface Violation {
  message: string;
  /** The offending field, e.g. `["spec", "template", "spec", "containers", 0, "image"]`; the object if absent. */
  path?: Array<string | number>;
  /** Overrides the rule's default severity for this violation (a removed API is worse than a deprecated one). */
  severity?: FindingSeverity;
  /** Information rather than a finding (a kind without a schema, say); reported once per message. */
  notice?: boolean;
}

/** A built-in policy rule. */
export interface Rule {
  /** Stable id used in config, annotations and output, e.g. `image-tag`. */
  id: string;
  defaultSeverity: FindingSeverity;
  /** Why the rule exists, in one line. */
  rationale: string;
  /** How to fix a finding, in one line. */
  hint: string;
  check(object: KubeObject, settings: PolicySettings): Violation[];
}

/** A finding as reported: which rule, how bad, which object, and where. */
export interface Finding {
  rule: string;
  severity: FindingSeverity;
  /** What is wrong, without the object's name (see `ref`). */
  message: string;
  hint: string;
  ref: ObjectRef;
  /** Repository-relative file (or rendered stream) and 1-based line of the offending field. */
  file: string;
  line: number;
}

/** A rule that an object opted out of with `capstan.dev/skip-policies`; always reported, never silent. */
export interface Exemption {
  rule: string;
  ref: ObjectRef;
  file: string;
  line: number;
}

/** The outcome of the policy checks of one environment. */
export interface PolicyResult {
  findings: Finding[];
  exemptions: Exemption[];
  /** What the checks could not do, each said once (e.g. kinds that were not validated). */
  notices: string[];
}
