import { z } from "zod";
import { freezeSchema } from "./freeze-schema.js";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// At least one part: `""` is no duration. The 24 h bound is checked in validate.ts, with the line.
const DURATION = /^(\d+h(\d+m)?(\d+s)?|\d+m(\d+s)?|\d+s)$/;

/** How strongly a policy rule's finding counts. */
export const severitySchema = z
  .enum(["error", "warning", "off"])
  .meta({ description: "error fails the capstan/policy check, warning informs, off disables the rule." });

/** Policy settings, shared by the whole repository and overridable per environment. */
export const policySchema = z
  .strictObject({
    /** Severity per rule id, e.g. `{ image-tag: error, resources: warning }`. */
    rules: z
      .record(z.string(), severitySchema)
      .default({})
      .meta({ description: "Severity per rule id. Rules not listed keep their default severity." }),
    /** Labels every object must carry (rule `required-labels`). */
    requiredLabels: z
      .array(z.string().min(1))
      .optional()
      .meta({ description: "Labels every object must carry (rule required-labels)." }),
    /** The fewest replicas a workload may ask for, e.g. 2 in production (rule `min-replicas`). */
    minReplicas: z.int().min(1).optional().meta({
      description: "The fewest replicas a Deployment or StatefulSet may ask for (rule min-replicas).",
    }),
    /**
     * Namespaces objects may live in (rule `namespaces`). Default: the environment's namespace and the
     * Namespaces its render creates.
     */
    namespaces: z
      .array(z.string().regex(DNS_LABEL, { error: "must be a lowercase DNS label (a-z, 0-9, -)" }))
      .optional()
      .meta({
        description:
          "Namespaces objects may live in (rule namespaces). Default: the environment's, and those its render creates.",
      }),
    /**
     * Cluster-scoped kinds the environment may hold, e.g. `[Namespace, ClusterRole]` (rule `namespaces`).
     * Default: not limited by the lint; the server config's grants bound what a sync may write.
     */
    clusterScoped: z.array(z.string().min(1)).optional().meta({
      description:
        "Cluster-scoped kinds the environment may hold, e.g. [Namespace, ClusterRole] (rule namespaces). Default: not limited by this lint; the server config's grants bound what a sync may write.",
    }),
  })
  .meta({ description: "Policy check settings." });

/** How a helm chart is rendered (`helm template`). */
export const helmSchema = z
  .strictObject({
    /** The release name templates see as `.Release.Name`. Default: the environment's name. */
    releaseName: z
      .string()
      .regex(DNS_LABEL, { error: "must be a lowercase DNS label (a-z, 0-9, -)" })
      .max(53)
      .optional()
      .meta({ description: "Release name (.Release.Name). Default: the environment's name." }),
    /** The namespace templates see as `.Release.Namespace`. Default: the environment's namespace. */
    namespace: z
      .string()
      .regex(DNS_LABEL, { error: "must be a lowercase DNS label (a-z, 0-9, -)" })
      .optional()
      .meta({ description: "Release namespace (.Release.Namespace). Default: the environment's namespace." }),
    /** Values files, relative to the environment's path, applied in order after the chart's values.yaml. */
    valuesFiles: z
      .array(z.string().min(1))
      .default([])
      .meta({ description: "Values files relative to the environment's path, applied in order." }),
  })
  .meta({ description: "Settings for renderer: helm." });

/** What to do when a deploy turns out unhealthy. */
export const revertSchema = z
  .strictObject({
    /** Open a revert PR when health fails after a deploy. */
    enabled: z
      .boolean()
      .default(true)
      .meta({ description: "Open a revert PR when health fails after a deploy." }),
    /** Enable auto-merge on the revert PR (the repository must allow auto-merge). */
    autoMerge: z.boolean().default(false).meta({ description: "Enable auto-merge on the revert PR." }),
  })
  .meta({ description: "Automatic revert of a deploy whose health fails." });

/** A JSON pointer (RFC 6901) into an object, e.g. `/spec/replicas` or `/metadata/annotations/a~1b`. */
const jsonPointer = z
  .string()
  .regex(/^(\/([^~/]|~[01])*)+$/, { error: "must be a JSON pointer such as /spec/replicas" });

/** Differences drift detection leaves alone: paths, on all objects or on those a target selects. */
export const driftIgnoreSchema = z
  .strictObject({
    /** JSON pointers of the fields to ignore, e.g. `/spec/replicas`. */
    paths: z.array(jsonPointer).min(1).meta({ description: "JSON pointers, e.g. /spec/replicas." }),
    /** Which objects the rule applies to; every object when absent. Each key that is given must match. */
    target: z
      .strictObject({
        kind: z.string().min(1).optional(),
        name: z.string().min(1).optional(),
        namespace: z.string().min(1).optional(),
      })
      .optional()
      .meta({ description: "kind, name and namespace the rule applies to; every object when absent." }),
  })
  .meta({ description: "Fields drift detection ignores." });

/** Finding, reporting and healing live changes nobody merged. */
export const driftSchema = z
  .strictObject({
    /** `off`: no checks; `report`: a GitHub issue per drifted environment; `heal`: also re-apply. */
    mode: z.enum(["off", "report", "heal"]).default("report").meta({
      description:
        "off: no drift checks. report: an issue per drifted environment. heal: also re-apply the synced revision.",
    }),
    /** How often the live objects are compared with the synced revision; from 2 min to 24 h. */
    interval: z
      .string()
      .regex(DURATION, { error: "must be a duration such as 90s, 5m or 1h30m" })
      .default("10m")
      .meta({ description: "How often to compare the live objects with the synced revision (2m to 24h)." }),
    /** How long a difference must last (two checks at least this far apart) before it is drift. */
    grace: z
      .string()
      .regex(DURATION, { error: "must be a duration such as 90s, 5m or 1h30m" })
      .default("5m")
      .meta({ description: "How long a difference must last before it is reported (1s to 24h)." }),
    ignore: z.array(driftIgnoreSchema).default([]).meta({ description: "Fields drift detection ignores." }),
  })
  .meta({ description: "Drift detection: live changes that no merge made." });

/** One environment: a path in the repository rendered one way, deployed to one cluster and namespace. */
export const environmentSchema = z
  .strictObject({
    /** Unique name, used in comments, check runs and GitHub Deployments. */
    name: z
      .string()
      .regex(DNS_LABEL, { error: "must be a lowercase DNS label (a-z, 0-9, -), e.g. staging" })
      .max(63)
      .meta({ description: "Unique environment name (lowercase DNS label)." }),
    /** Directory holding the environment's manifests, kustomization or chart, relative to the repository root. */
    path: z.string().min(1).meta({
      description: "Directory of the manifests, kustomization or chart, relative to the repository root.",
    }),
    /**
     * How the path is rendered:
     * - `auto`: kustomize if the path holds a kustomization, helm if it holds a Chart.yaml, plain otherwise;
     * - `plain`: every `.yaml`, `.yml` and `.json` file below the path;
     * - `kustomize`: `kustomize build`;
     * - `helm`: `helm template`.
     */
    renderer: z.enum(["auto", "plain", "kustomize", "helm"]).default("auto").meta({
      description: "auto | plain | kustomize | helm. auto detects kustomization.yaml or Chart.yaml.",
    }),
    /** Settings for `renderer: helm` (or `auto` resolving to helm). */
    helm: helmSchema.prefault({}),
    /**
     * The cluster name to deploy to. The server config maps names to credentials and decides which
     * repositories may use which names. Without a cluster the environment is preview-only.
     */
    cluster: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "Cluster name from the server config. Omit for a preview-only environment." }),
    /** Namespace for namespaced objects that name none. */
    namespace: z
      .string()
      .regex(DNS_LABEL, { error: "must be a lowercase DNS label (a-z, 0-9, -)" })
      .default("default")
      .meta({ description: "Namespace given to namespaced objects that name none." }),
    /** The branch whose pushes deploy this environment. Default: the repository's default branch. */
    branch: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "Deploy branch. Default: the repository's default branch." }),
    /** Deploy on every push to the deploy branch. */
    autoSync: z.boolean().default(true).meta({ description: "Deploy on every push to the deploy branch." }),
    /** Delete objects that were removed from Git (ApplySet prune). */
    prune: z.boolean().default(true).meta({ description: "Delete objects removed from Git." }),
    /** Allow a sync that would leave the environment empty (prune everything). */
    allowEmpty: z
      .boolean()
      .default(false)
      .meta({ description: "Allow a sync that would prune every object of the environment." }),
    /** How long to wait for health after a sync, e.g. `90s`, `5m`, `1h30m`; from 1 s to 24 h. */
    healthTimeout: z
      .string()
      .regex(DURATION, { error: "must be a duration such as 90s, 5m or 1h30m" })
      .default("5m")
      .meta({ description: "How long to wait for health after a sync, e.g. 90s, 5m, 1h30m (1s to 24h)." }),
    /** The Kubernetes version the cluster runs: helm's `--kube-version` and the policy's API removals. */
    kubeVersion: z
      .string()
      .regex(/^1\.\d{1,2}$/, { error: 'must be a Kubernetes minor version such as "1.36" (quote it)' })
      .default("1.36")
      .meta({ description: 'Target Kubernetes version, e.g. "1.36".' }),
    revert: revertSchema.prefault({}),
    drift: driftSchema.prefault({}),
    /** Times when merges are not deployed to this environment, on top of the repository-wide ones. */
    freeze: freezeSchema,
    /** Policy overrides for this environment, on top of the repository-wide ones. */
    policy: policySchema.optional(),
  })
  .meta({ description: "One environment." });

/** `.github/capstan.yml`: the environments of a repository and its policy settings. */
export const configSchema = z
  .strictObject({
    /** The environments Capstan previews and deploys. */
    environments: z
      .array(environmentSchema)
      .min(1, { error: "needs at least one environment" })
      .meta({ description: "The environments Capstan previews and deploys." }),
    policy: policySchema.prefault({}),
    /** Times when merges are not deployed to any environment (automatic reverts still are). */
    freeze: freezeSchema,
  })
  .meta({ title: "Capstan repository configuration (.github/capstan.yml)" });

/** A parsed, defaulted repository config. */
export type Config = z.output<typeof configSchema>;
/** A repository config as written by a user. */
export type ConfigInput = z.input<typeof configSchema>;
/** One defaulted environment. */
export type Environment = z.output<typeof environmentSchema>;
/** One of the renderer names a config may use. */
export type RendererName = Environment["renderer"];
/** A policy severity. */
export type Severity = z.output<typeof severitySchema>;
/** Policy settings as written (repository-wide or per environment). */
export type PolicyConfig = z.output<typeof policySchema>;
