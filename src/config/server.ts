import { z } from "zod";
import { readConfigFile } from "./read-file.js";
import type { Config } from "./schema.js";
import { parseYamlConfig, type SemanticProblem } from "./yaml-config.js";

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** How Capstan reaches one cluster. */
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
      })
      .meta({ description: "A cluster reached through a kubeconfig." }),
    z
      .strictObject({
        /** Use the service account Capstan runs as, when it runs inside the cluster. */
        inCluster: z
          .literal(true)
          .meta({ description: "Use the pod's service account (Capstan runs in the cluster)." }),
      })
      .meta({ description: "The cluster Capstan runs in." }),
  ],
  { error: "must have kubeconfig (and optionally context), or inCluster: true" },
);

/**
 * The server config (`CAPSTAN_CONFIG`), written by whoever runs Capstan: which clusters exist and which
 * repositories may deploy to which of them. Repositories choose environments; the operator chooses
 * clusters.
 */
export const serverConfigSchema = z
  .strictObject({
    /** Cluster name → how to reach it. Repositories refer to clusters by these names. */
    clusters: z
      .record(z.string().regex(NAME, { error: "must be a lowercase DNS label" }), clusterSchema)
      .default({})
      .meta({ description: "Cluster name → how to reach it." }),
    /** `owner/repo` (or `owner/*`) → the cluster names its environments may use. */
    repositories: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z0-9_.-]+\/(\*|[A-Za-z0-9_.-]+)$/, { error: "must be owner/repo or owner/*" }),
        z.strictObject({
          /** Cluster names this repository's environments may deploy to. */
          clusters: z.array(z.string()).meta({ description: "Cluster names the repository may use." }),
        }),
      )
      .default({})
      .meta({ description: "owner/repo (or owner/*) → the clusters its environments may use." }),
  })
  .meta({ title: "Capstan server configuration (CAPSTAN_CONFIG)" });

/** A parsed server config. */
export type ServerConfig = z.output<typeof serverConfigSchema>;

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
    semantic: (config) =>
      Object.entries(config.repositories).flatMap(([repo, entry]) =>
        entry.clusters.flatMap((name, i) =>
          name in config.clusters
            ? []
            : [
                {
                  path: ["repositories", repo, "clusters", i],
                  message: `cluster "${name}" is not defined under clusters`,
                },
              ],
        ),
      ),
  });
}

/** Reads the server config from `path` (the `CAPSTAN_CONFIG` variable). */
export function readServerConfig(path: string): Promise<ServerConfig> {
  return readConfigFile(path, parseServerConfig);
}

/** The cluster names a repository may use: its own entry's and its owner's (`owner/*`). */
export function allowedClusters(server: ServerConfig, repository: string): Set<string> {
  const owner = repository.split("/")[0];
  return new Set([
    ...(server.repositories[repository]?.clusters ?? []),
    ...(server.repositories[`${owner}/*`]?.clusters ?? []),
  ]);
}

/**
 * The environments of a repository config that ask for a cluster the server config does not allow that
 * repository, as problems at each `cluster:` key.
 */
export function checkClusterAccess(
  config: Config,
  server: ServerConfig,
  repository: string,
): SemanticProblem[] {
  const allowed = allowedClusters(server, repository);
  return config.environments.flatMap((env, i) =>
    env.cluster === undefined || allowed.has(env.cluster)
      ? []
      : [
          {
            path: ["environments", i, "cluster"],
            message: `cluster "${env.cluster}" is not one this Capstan lets ${repository} use${allowed.size > 0 ? ` (allowed: ${[...allowed].join(", ")})` : " (it allows none)"}; ask whoever runs Capstan`,
          },
        ],
  );
}
