// Which repositories the sweeps look after: every repository of every installation of the app, with the
// Capstan config on its default branch (the reviewed one; a branch's own config never decides what a
// sweep deploys or checks). Asked with the app's own credentials, so no webhook is needed to know them.
import { CONFIG_PATH, type Config, MAX_CONFIG_BYTES, parseConfig } from "../config/index.js";
import { errorMessage } from "../errors.js";
import type { ConditionalCache } from "../github/conditional.js";
import type { GitHub, Repo } from "../github/types.js";
import type { Log } from "../work-queue.js";

/** One repository that uses Capstan, as the sweeps need it. */
export interface Installed {
  installation: number;
  /** An Octokit authenticated as the installation (Probot renews its token). */
  octokit: GitHub;
  repo: Repo;
  /** Numeric ids of the repository and its owner: what the server config's grants and the cluster match. */
  ids: { id: number; ownerId: number };
  defaultBranch: string;
  config: Config;
}

/** What discovery needs: the app's own Octokit, and a way to act as each installation. */
export interface DiscoverInput {
  /** Authenticated as the app (a JWT). */
  app: GitHub;
  installation(id: number): Promise<GitHub>;
  cache: ConditionalCache;
  log: Log;
}

interface ListedRepository {
  id: number;
  name: string;
  owner: { login: string; id: number };
  default_branch?: string;
  archived?: boolean;
  disabled?: boolean;
}

/**
 * Every repository of every installation that has a valid Capstan config on its default branch. A
 * repository whose config cannot be read or is invalid is logged and left out (its pull requests are told
 * why by their previews); an installation that cannot be listed is logged and the others carry on.
 * Unchanged configs cost a 304 each.
 */
export async function discoverRepositories(input: DiscoverInput): Promise<Installed[]> {
  const installations = await input.app.paginate("GET /app/installations", { per_page: 100 });
  const found: Installed[] = [];
  for (const installation of installations as { id: number; suspended_at?: string | null }[]) {
    if (installation.suspended_at) continue;
    try {
      const octokit = await input.installation(installation.id);
      const repositories = (await octokit.paginate("GET /installation/repositories", {
        per_page: 100,
      })) as unknown as ListedRepository[];
      for (const listed of repositories) {
        if (listed.archived || listed.disabled) continue;
        const repo = { owner: listed.owner.login, repo: listed.name };
        const defaultBranch = listed.default_branch ?? "main";
        const config = await configOf(input, octokit, repo, defaultBranch);
        if (!config) continue;
        found.push({
          installation: installation.id,
          octokit,
          repo,
          ids: { id: listed.id, ownerId: listed.owner.id },
          defaultBranch,
          config,
        });
      }
    } catch (err) {
      input.log.error(
        { installation: installation.id, reason: errorMessage(err) },
        "installation skipped: its repositories could not be listed",
      );
    }
  }
  return found;
}

// The config on the default branch, or undefined when there is none or it is unusable (logged).
async function configOf(
  input: DiscoverInput,
  octokit: GitHub,
  repo: Repo,
  ref: string,
): Promise<Config | undefined> {
  const repository = `${repo.owner}/${repo.repo}`;
  let file: { type?: string; size?: number; content?: string; encoding?: string };
  try {
    file = await input.cache.get(octokit, "GET /repos/{owner}/{repo}/contents/{path}", {
      ...repo,
      path: CONFIG_PATH,
      ref,
    });
  } catch (err) {
    if ((err as { status?: number }).status === 404) return undefined;
    input.log.error(
      { repository, reason: errorMessage(err) },
      "repository skipped: its config cannot be read",
    );
    return undefined;
  }
  if (file.type !== "file" || file.encoding !== "base64" || (file.size ?? 0) > MAX_CONFIG_BYTES) {
    input.log.info({ repository }, `repository skipped: ${CONFIG_PATH} is not a file of at most 256 KiB`);
    return undefined;
  }
  try {
    return parseConfig(Buffer.from(file.content ?? "", "base64").toString("utf8"), CONFIG_PATH);
  } catch (err) {
    input.log.info(
      { repository, reason: errorMessage(err) },
      `repository skipped by the sweeps: ${CONFIG_PATH} on ${ref} is invalid`,
    );
    return undefined;
  }
}
