import {
  checkClusterAccess,
  grantsFor,
  type RepositoryIdentity,
  type ServerConfig,
} from "../config/index.js";
import { CapstanError, ConfigError, type ConfigProblem, UsageError } from "../errors.js";
import type { ClusterSchemas } from "../policy/index.js";
import type { RenderOptions } from "../render/index.js";
import type { TaskAsk } from "../worker-pool.js";
import { previewEnvironments, type SchemaSource } from "./preview.js";
import { type PreviewSubject, type Publication, publicationOf } from "./preview-publication.js";

/**
 * A pull request's preview as plain data, so it can cross into a worker thread: the two checked-out
 * trees, and the server config whose grants bound the repository.
 */
export interface PreviewTask {
  baseRoot: string;
  headRoot: string;
  subject: PreviewSubject;
  render: RenderOptions;
  server?: ServerConfig;
  repository: RepositoryIdentity;
  defaultBranch: string;
  /** Environment name → what the reviewer must know about its target (it has drifted), read by the server. */
  warnings?: Record<string, string[]>;
  /**
   * Whether the thread that started the task answers {@link SchemaRequest}s: the server reads custom
   * resource schemas from the environments' clusters (never for a fork's pull request).
   */
  schemasFromCluster?: boolean;
}

/** What a preview task asks the server for: the schemas of custom resource kinds in one cluster. */
export interface SchemaRequest {
  cluster: string;
  /** `group/version/Kind` of each custom resource kind the render does not define. */
  gvks: string[];
}

/** How a preview task ended, as plain data (errors do not keep their class across threads). */
export type PreviewTaskResult = (
  | { kind: "published"; publication: Publication }
  | { kind: "config-error"; file: string; problems: ConfigProblem[] }
  | { kind: "error"; usage: boolean; message: string }
) & {
  /** How long each render took, for the server's metrics (a worker's own metrics reach no one). */
  renders?: Array<[renderer: string, seconds: number]>;
};

/**
 * Renders, diffs and checks a pull request and builds everything it will publish. CPU-heavy and
 * GitHub-free: it runs in a worker, away from the thread that answers webhooks.
 *
 * @throws only for a defect (an error that is not a CapstanError)
 */
export async function runPreviewTask(task: PreviewTask, ask?: TaskAsk): Promise<PreviewTaskResult> {
  const { server, repository } = task;
  const grants = server ? grantsFor(server, repository) : undefined;
  try {
    const result = await previewEnvironments({
      baseRoot: task.baseRoot,
      headRoot: task.headRoot,
      configChecks: server
        ? (config) => checkClusterAccess(config, server, repository, task.defaultBranch)
        : undefined,
      reach:
        grants && repository.id !== undefined
          ? { of: (env) => (env.cluster ? grants.get(env.cluster) : undefined), repositoryId: repository.id }
          : undefined,
      environments: task.subject.environments,
      render: task.render,
      freeze: { now: new Date(), server },
      schemas: task.subject.fork
        ? forkSchemas
        : task.schemasFromCluster && ask
          ? askedSchemas(ask)
          : undefined,
    });
    for (const env of result.environments) {
      const warnings = task.warnings?.[env.name];
      if (warnings?.length) env.warnings = [...warnings, ...(env.warnings ?? [])];
    }
    return { kind: "published", publication: publicationOf(result, task.subject) };
  } catch (err) {
    if (err instanceof ConfigError)
      return { kind: "config-error", file: err.file, problems: [...err.problems] };
    if (err instanceof CapstanError)
      return { kind: "error", usage: err instanceof UsageError, message: err.message };
    throw err;
  }
}

// A server that cannot answer costs the custom resources their validation, never the preview.
function askedSchemas(ask: TaskAsk): SchemaSource {
  return async (cluster, gvks) => {
    try {
      return (await ask({ cluster, gvks } satisfies SchemaRequest)) as ClusterSchemas;
    } catch (err) {
      const unavailable = `the CRDs of cluster ${cluster} could not be asked for (${(err as Error).message})`;
      return { cluster, schemas: {}, clusterScoped: [], missing: {}, unavailable };
    }
  };
}

/** What a fork's author may not learn: which CRDs a cluster has. The notice says why nothing was read. */
export const forkSchemas: SchemaSource = async (cluster) => ({
  cluster,
  schemas: {},
  clusterScoped: [],
  missing: {},
  unavailable: `cluster ${cluster} is not read for a pull request from a fork`,
});

/** The error a {@link PreviewTaskResult} stands for, rebuilt with its class. */
export function taskError(result: Exclude<PreviewTaskResult, { kind: "published" }>): CapstanError {
  if (result.kind === "config-error") return new ConfigError(result.file, result.problems);
  return result.usage ? new UsageError(result.message) : new CapstanError(result.message);
}
