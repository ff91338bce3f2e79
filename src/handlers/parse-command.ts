/** A command from a PR comment. */
export type PrCommand = { name: "preview"; live: boolean; environments: string[] } | { name: "help" };

/**
 * Reads a command from the first line of a comment: `/preview`, `/preview staging prod`,
 * `/preview live [env ...]` or `/help`. Anything else is not a command and gets no answer.
 */
export function parsePrCommand(body: string): PrCommand | undefined {
  const first = body.trim().split(/\r?\n/, 1)[0]!.trim();
  const [word, ...args] = first.split(/\s+/);
  if (word === "/help") return { name: "help" };
  if (word !== "/preview") return undefined;
  const live = args[0] === "live";
  return { name: "preview", live, environments: live ? args.slice(1) : args };
}

/** The text of `/help`. */
export const HELP = `**Capstan commands** (for people with write access to this repository):

| Command | What it does |
|---|---|
| \`/preview\` | Render every affected environment at the base and at this PR's head again, and update the preview comment and checks |
| \`/preview staging production\` | The same, for the named environments only |
| \`/preview live [env ...]\` | Diff the head against what runs in the cluster (needs a cluster configured for the environment) |
| \`/help\` | This list |`;
