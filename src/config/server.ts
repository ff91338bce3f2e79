import { z } from "zod";
import { freezeSchema } from "./freeze-schema.js";
import { matchesAny } from "./glob.js";
import { readConfigFile } from "./read-file.js";
import type { Config } from "./schema.js";
import { parseDuration } from "./validate.js";
import { parseYamlConfig, type SemanticProblem } from "./yaml-config.js";

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const PATTERN = /^[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?$/;

/** Branch patterns allowed to deploy to a cluster; `*` matches any run of characters. */
const branchesSchema = z
  .array(z.string().min(1))
  .min(1, { error: "needs at least one branch (omit it to allow only each repository's default branch)" })
  .optional()
  .meta({
    description:
      "Branches allowed to deploy to this cluster, e.g. [main, release/*]. Default: each repository's default branch only.",
  });

/** Whether deploy reports quote a crashed container's termination message. */
const terminationMessagesSchema = z.boolean().default(false).meta({
  description:
    "Quote a crashed container's termination message in deploy reports (PR comment, revert PR, Deployment status). Off by default: with terminationMessagePolicy FallbackToLogsOnError it is the tail of the container's log, which may hold secrets.",
});

/** Budgets of the worker threads that render, diff and check pull requests. */
export const previewsSchema = z
  .strictObject({
    /** How many previews run at once, each in a worker thread of its own. */
    workers: z.int().min(1).max(16).optional().meta({
      description:
        "How many previews run at once, each in a worker thread. Default: the cores but one, from 1 to 4.",
    }),
    /** The longest a preview may take, renders included, before it is stopped and reported as failed. */
    timeout: z
      .string()
      .refine(isDuration, { error: "must be a duration from 1s to 24h, such as 90s, 5m or 1h30m" })
      .default("5m")
      .meta({
        description: "The longest one preview may take before it is stopped (1s to 24h). Default 5m.",
      }),
    /** The heap one preview may use, in MiB, before it is stopped and reported as failed. */
    memoryMiB: z.int().min(128).max(65_536).default(1024).meta({
      description: "The JavaScript heap one preview may use, in MiB, before it is stopped. Default 1024.",
    }),
    /** How many environments one preview renders at once, each a renderer process. */
    renders: z.int().min(1).max(16).optional().meta({
      description: "How many environments one preview renders at once. Default: the cores.",
    }),
  })
  .default({ timeout: "5m", memoryMiB: 1024 })
  .meta({ description: "Budgets of the worker threads that run pull request previews." });

const duration = (what: string, fallback: string) =>
  z
    .string()
    .refine(isDuration, { error: "must be a duration from 1s to 24h, such as 90s, 5m or 1h30m" })
    .default(fallback)
    .meta({ description: `${what} (1s to 24h). Default ${fallback}.` });

/**
 * The periodic sweeps that make Capstan level-triggered: webhooks only hint, and a sweep catches up what a
 * lost webhook missed. Every interval gets ±10 % jitter and a phase from a hash of its key.
 */
export const reconcileSchema = z
  .strictObject({
    /** Run the sweeps at all (a replica that only serves webhooks sets false). */
    enabled: z.boolean().default(true).meta({ description: "Run the periodic sweeps. Default true." }),
    /** How often each repository's installations, repositories and default-branch configs are re-read. */
    repositories: duration("How often the installations, repositories and their configs are re-read", "10m"),
    /** How often each deploy branch's head is compared with what its environments last synced. */
    behind: duration(
      "How often each deploy branch's head is compared with what its environments synced",
      "3m",
    ),
    /** How often open pull requests are checked for a head that has no preview. */
    previews: duration("How often open pull requests are checked for a head without a preview", "5m"),
    /**
     * Every environment's drift interval, instead of its own `drift.interval`: an operator's cap on how
     * often clusters are compared (and what the tests use to compare every few seconds).
     */
    drift: z
      .string()
      .refine(isDuration, { error: "must be a duration from 1s to 24h, such as 90s, 5m or 1h30m" })
      .optional()
      .meta({ description: "Overrides every environment's drift.interval (1s to 24h)." }),
    /** How many heals one environment may have per UTC day before Capstan stops and says so on the issue. */
    healsPerDay: z.int().min(1).max(1000).default(6).meta({
      description: "How many heals one environment may have per UTC day. Default 6.",
    }),
  })
  .prefault({})
  .meta({ description: "The periodic sweeps: lost webhooks, drift and heals." });

/** How fast Capstan writes to GitHub, per installation (shared by all replicas with REDIS_URL). */
export const githubWritesSchema = z
  .strictObject({
    /** Least time between two writes (GitHub asks for about a second between content-creating requests). */
    spacing: duration("Least time between two writes to one installation", "1s"),
    /** Most writes an hour (GitHub allows 500 content-creating requests an hour). */
    perHour: z.int().min(1).max(5000).default(480).meta({ description: "Most writes an hour. Default 480." }),
    /** Of those, how many only deploy writes (Deployments, deploy comments, reverts, drift) may use. */
    reservedForDeploys: z.int().min(0).max(5000).default(120).meta({
      description: "Of perHour, how many only deploy writes may use. Default 120.",
    }),
  })
  .prefault({})
  .meta({ description: "GitHub write pacing per installation." });

/**
 * Several replicas, one leader: the replica holding this Lease runs the sweeps; every replica serves
 * webhooks. Without this section (Capstan on a laptop, or one replica), the process is its own leader.
 */
export const leaderElectionSchema = z
  .strictObject({
    /** The cluster (one of `clusters`) that holds the Lease: where Capstan itself runs. */
    cluster: z.string().meta({ description: "The cluster, of those under clusters, that holds the Lease." }),
    /** Capstan's own namespace. */
    namespace: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: "must be a namespace name" })
      .meta({
        description: "Capstan's own namespace, where the Lease lives.",
      }),
    name: z
      .string()
      .default("capstan-leader")
      .meta({ description: "The Lease's name. Default capstan-leader." }),
    leaseDuration: duration("How long a leader that stopped renewing keeps the Lease", "15s"),
    renewDeadline: duration("How long a leader tries to renew before it stops leading", "10s"),
    retryPeriod: duration("How often replicas try to take or renew the Lease", "2s"),
  })
  .meta({ description: "Leader election: only the Lease holder runs the sweeps." });

function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}

// Every repository's merges to the cluster wait these out, whatever its own config says.
const clusterFreezeSchema = freezeSchema.meta({
  description:
    "Times when no merge is deployed to this cluster, whatever a repository's config says (reverts still are).",
});

/** How Capstan reaches one cluster, and which branches may deploy to it. */
export const clusterSchema = z.union(
  [
    z
      .strictObject({
        /** Path of a kubeconfig file on the Capstan server. */
        kubeconfig: z
          .string()
          .min(1)
          .meta({ description: "Path of a kubeconfig file on the Capstan server." }),
        /** The context to use; the kubeconfig's current context when absent. */
        context: z
          .string()
          .min(1)
          .optional()
          .meta({ description: "Context to use; default: the current context." }),
        /** Branches allowed to deploy here. Default: each repository's default branch only. */
        branches: branchesSchema,
        terminationMessages: terminationMessagesSchema,
        freeze: clusterFreezeSchema,
      })
      .meta({ description: "A cluster reached through a kubeconfig." }),
    z
      .strictObject({
        /** Use the service account Capstan runs as, when it runs inside the cluster. */
        inCluster: z
          .literal(true)
          .meta({ description: "Use the pod's service account (Capstan runs in the cluster)." }),
        /** Branches allowed to deploy here. Default: each repository's default branch only. */
        branches: branchesSchema,
        terminationMessages: terminationMessagesSchema,
        freeze: clusterFreezeSchema,
      })
      .meta({ description: "The cluster Capstan runs in." }),
  ],
  { error: "must have kubeconfig (and optionally context), or inCluster: true" },
);

/** One cluster a repository may deploy to, and how far into it the repository may reach. */
export const grantSchema = z.union([
  z.string().min(1).meta({ description: "A cluster name, with the default reach." }),
  z
    .strictObject({
      /** The cluster's name under `clusters`. */
      name: z.string().min(1).meta({ description: "The cluster's name under clusters." }),
      /**
       * Namespaces the repository may write into (exact names, or patterns with `*`). Default: namespaces
       * the repository's own syncs created, and new ones, never the `kube-*` system namespaces.
       */
      namespaces: z
        .array(z.string().regex(PATTERN, { error: "must be a namespace name, or a pattern with *" }))
        .optional()
        .meta({
          description:
            "Namespaces the repository may write into (names or patterns with *). Default: namespaces its own syncs created, and new ones; never kube-*.",
        }),
      /**
       * Cluster-scoped kinds the repository may write (`Kind` or `Kind.group`). Default: `[Namespace]`, for
       * Namespaces within `namespaces`.
       */
      clusterScoped: z.array(z.string().min(1)).optional().meta({
        description:
          "Cluster-scoped kinds the repository may write, as Kind or Kind.group. Default: [Namespace].",
      }),
    })
    .meta({ description: "A cluster, with bounds on what the repository may write into it." }),
]);

/** A repository's (or an owner's) clusters. */
export const repositoryEntrySchema = z.strictObject({
  /**
   * The numeric id of the repository (for `owner/repo`) or of the owner (for `owner/*`). When given, only
   * that id matches and the name is a label for people: a renamed or transferred repository keeps its
   * clusters, and whoever registers the old name gets none.
   */
  id: z.int().positive().optional().meta({
    description:
      "Numeric id of the repository (owner/repo) or owner (owner/*). When set, only this id matches; the name is a label.",
  }),
  /** The clusters this repository's environments may deploy to, each a name or a name with bounds. */
  clusters: z
    .array(grantSchema)
    .meta({ description: "Clusters the repository may use, with optional bounds." }),
});

/**
 * The server config (`CAPSTAN_CONFIG`), written by whoever runs Capstan: which clusters exist, which
 * repositories may deploy to which of them, and how far into each they may reach. Repositories choose
 * environments; the operator chooses clusters and their bounds.
 */
export const serverConfigSchema = z
  .strictObject({
    /** Cluster name → how to reach it. Repositories refer to clusters by these names. */
    clusters: z
      .record(z.string().regex(NAME, { error: "must be a lowercase DNS label" }), clusterSchema)
      .default({})
      .meta({ description: "Cluster name → how to reach it." }),
    /** `owner/repo` (or `owner/*`) → the clusters its environments may use. */
    repositories: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z0-9_.-]+\/(\*|[A-Za-z0-9_.-]+)$/, { error: "must be owner/repo or owner/*" }),
        repositoryEntrySchema,
      )
      .default({})
      .meta({ description: "owner/repo (or owner/*) → the clusters its environments may use." }),
    /** Budgets of the preview workers. */
    previews: previewsSchema,
    /** The periodic sweeps. */
    reconcile: reconcileSchema,
    /** Which replica runs the sweeps. */
    leaderElection: leaderElectionSchema.optional(),
    /** GitHub write pacing. */
    githubWrites: githubWritesSchema,
  })
  .meta({ title: "Capstan server configuration (CAPSTAN_CONFIG)" });

/** A parsed server config. */
export type ServerConfig = z.output<typeof serverConfigSchema>;

/** One grant of a cluster, as written: a name, or a name with bounds. */
type Grant = z.output<typeof grantSchema>;

const grantName = (g: Grant) => (typeof g === "string" ? g : g.name);

/**
 * Parses the server config.
 *
 * @throws ConfigError naming file, line and key of every problem (e.g. a repository allowed a cluster that
 *   is not defined)
 */
export function parseServerConfig(text: string, file: string): ServerConfig {
  return parseYamlConfig(text, file, serverConfigSchema, {
    maxBytes: 1024 * 1024,
    emptyMessage: "is empty; it needs clusters and repositories",
    semantic: (config) => [
      ...(config.leaderElection && !(config.leaderElection.cluster in config.clusters)
        ? [
            {
              path: ["leaderElection", "cluster"],
              message: `cluster "${config.leaderElection.cluster}" is not defined under clusters`,
            },
          ]
        : []),
      ...Object.entries(config.repositories).flatMap(([repo, entry]) =>
        entry.clusters.flatMap((grant, i): SemanticProblem[] => {
          const name = grantName(grant);
          const path = ["repositories", repo, "clusters", i];
          if (!(name in config.clusters))
            return [{ path, message: `cluster "${name}" is not defined under clusters` }];
          if (entry.clusters.findIndex((g) => grantName(g) === name) !== i)
            return [{ path, message: `cluster "${name}" is granted twice` }];
          return [];
        }),
      ),
    ],
  });
}

/** Reads the server config from `path` (the `CAPSTAN_CONFIG` variable). */
export function readServerConfig(path: string): Promise<ServerConfig> {
  return readConfigFile(path, parseServerConfig);
}

/**
 * A repository as the server config matches it: its name for people and, where GitHub gave them (every
 * webhook does), the numeric ids of the repository and its owner, which a rename or transfer does not
 * hand to someone else.
 */
export interface RepositoryIdentity {
  owner: string;
  repo: string;
  id?: number;
  ownerId?: number;
}

/** How far one repository may reach into one cluster. */
export interface Reach {
  cluster: string;
  /**
   * Namespace patterns the operator allows; `undefined` for the default: namespaces that this
   * repository's syncs created, and new ones, never `kube-*`.
   */
  namespaces?: string[];
  /** Cluster-scoped kinds allowed, as `Kind` (core group) or `Kind.group`. */
  clusterScoped: string[];
}

/** Cluster-scoped kinds a repository may write when its grant names none. */
export const DEFAULT_CLUSTER_SCOPED = ["Namespace"];

/** `acme/shop` */
export function fullName(repo: Pick<RepositoryIdentity, "owner" | "repo">): string {
  return `${repo.owner}/${repo.repo}`;
}

// Whether one entry of `repositories` is this repository's (owner/repo) or its owner's (owner/*). An
// entry that gives an id matches that id only; a name alone then never matches.
function entryMatches(key: string, id: number | undefined, repo: RepositoryIdentity): boolean {
  const [owner, name] = key.split("/") as [string, string];
  if (name === "*") return id !== undefined ? repo.ownerId === id : same(owner, repo.owner);
  return id !== undefined ? repo.id === id : same(key, fullName(repo));
}

// GitHub's owner and repository names are case-insensitive.
function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * The clusters a repository may use and its reach into each. Grants from its own entry and its owner's
 * (`owner/*`) add up; where both grant one cluster, the repository's own entry decides the bounds.
 */
export function grantsFor(server: ServerConfig, repo: RepositoryIdentity): Map<string, Reach> {
  const grants = new Map<string, Reach>();
  // Owner entries first, so that a repository's own entry overrides them.
  const entries = Object.entries(server.repositories).sort(
    ([a], [b]) => Number(b.endsWith("/*")) - Number(a.endsWith("/*")),
  );
  for (const [key, entry] of entries) {
    if (!entryMatches(key, entry.id, repo)) continue;
    for (const grant of entry.clusters) {
      const reach: Reach =
        typeof grant === "string"
          ? { cluster: grant, clusterScoped: DEFAULT_CLUSTER_SCOPED }
          : {
              cluster: grant.name,
              namespaces: grant.namespaces,
              clusterScoped: grant.clusterScoped ?? DEFAULT_CLUSTER_SCOPED,
            };
      grants.set(reach.cluster, reach);
    }
  }
  return grants;
}

/**
 * The `repositories` entries that match by name alone, each as a line for the server's log at start: a
 * rename or transfer can hand such a name, and its clusters, to someone else.
 */
export function unpinnedEntries(server: ServerConfig): string[] {
  return Object.entries(server.repositories)
    .filter(([, entry]) => entry.id === undefined && entry.clusters.length > 0)
    .map(
      ([key]) =>
        `repositories.${key} has no id, so it matches by name; pin it with id: (the ${key.endsWith("/*") ? "owner's" : "repository's"} numeric id) so that a rename or transfer cannot hand its clusters to someone else`,
    );
}

/** The cluster names a repository may use: its own entry's and its owner's (`owner/*`). */
export function allowedClusters(server: ServerConfig, repo: RepositoryIdentity): Set<string> {
  return new Set(grantsFor(server, repo).keys());
}

/**
 * Whether pushes to `branch` may deploy to a cluster: the cluster's `branches` patterns when the server
 * config sets them, otherwise the repository's default branch only.
 */
export function branchMayDeploy(
  server: ServerConfig,
  cluster: string,
  branch: string,
  defaultBranch: string,
): boolean {
  const pinned = server.clusters[cluster]?.branches;
  return pinned ? matchesAny(branch, pinned) : branch === defaultBranch;
}

/** Why a branch may not deploy to a cluster, in words for a Deployment or a config annotation. */
export function branchRefusal(server: ServerConfig, cluster: string, branch: string, defaultBranch: string) {
  const pinned = server.clusters[cluster]?.branches;
  return pinned
    ? `cluster "${cluster}" accepts deploys only from ${pinned.join(", ")} (server config), not from ${branch}`
    : `cluster "${cluster}" accepts deploys only from the default branch ${defaultBranch}, not from ${branch}; whoever runs Capstan can allow more branches with clusters.${cluster}.branches`;
}

/**
 * The environments of a repository config that ask for a cluster the server config does not allow that
 * repository, or deploy from a branch the cluster does not accept, as problems at the offending key.
 * (Objects outside the repository's reach are policy findings on their own lines, so the preview still
 * shows the diff.)
 */
export function checkClusterAccess(
  config: Config,
  server: ServerConfig,
  repo: RepositoryIdentity,
  defaultBranch?: string,
): SemanticProblem[] {
  const allowed = allowedClusters(server, repo);
  const name = fullName(repo);
  return config.environments.flatMap((env, i): SemanticProblem[] => {
    if (env.cluster === undefined) return [];
    if (!allowed.has(env.cluster)) {
      return [
        {
          path: ["environments", i, "cluster"],
          message: `cluster "${env.cluster}" is not one this Capstan lets ${name} use${allowed.size > 0 ? ` (allowed: ${[...allowed].join(", ")})` : " (it allows none)"}; ask whoever runs Capstan`,
        },
      ];
    }
    const problems: SemanticProblem[] = [];
    const branch = env.branch ?? defaultBranch;
    if (defaultBranch && branch && !branchMayDeploy(server, env.cluster, branch, defaultBranch)) {
      problems.push({
        path: ["environments", i, "branch"],
        message: branchRefusal(server, env.cluster, branch, defaultBranch),
      });
    }
    return problems;
  });
}
