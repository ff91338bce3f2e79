import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

interface ExampleSet {
  name: string;
  examples: Array<Record<string, unknown> & { action?: string }>;
}

/** The installation id tests mock an access token for. */
export const INSTALLATION = 42;
export const OWNER = "Codertocat";
export const REPO = "Hello-World";
/** The id GitHub's example payloads give Codertocat/Hello-World, and its owner's. */
export const REPOSITORY_ID = 186853002;
export const OWNER_ID = 21031067;

/**
 * A real webhook payload from `@octokit/webhooks-examples` (GitHub's own examples), adapted only where the
 * examples have gaps (see fixtures/webhooks/README.md):
 * - `installation` is added, since a GitHub App's deliveries always carry it and several examples lack it;
 * - SHAs, numbers and fields named in `changes` are set to what the test needs (deep-merged).
 */
export function examplePayload<T = Record<string, unknown>>(
  event: string,
  action: string | undefined,
  changes: Record<string, unknown> = {},
): T {
  const sets = require("@octokit/webhooks-examples/api.github.com/index.json") as ExampleSet[];
  const example = sets.find((s) => s.name === event)?.examples.find((e) => e.action === action);
  if (!example) throw new Error(`no ${event}.${action} example in @octokit/webhooks-examples`);
  const payload = structuredClone(example);
  payload.installation = { id: INSTALLATION, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI=" };
  return merge(payload, changes) as T;
}

function merge(target: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(changes)) {
    const current = target[key];
    if (
      value &&
      typeof value === "object" &&
      !Array.isArray(value) &&
      current &&
      typeof current === "object" &&
      !Array.isArray(current)
    ) {
      merge(current as Record<string, unknown>, value as Record<string, unknown>);
    } else {
      target[key] = value;
    }
  }
  return target;
}

/** A push of `after` onto `branch` (replacing `before`), from GitHub's example push payload. */
export function pushPayload(
  before: string,
  after: string,
  message = "Merge",
  branch = "main",
): Record<string, unknown> {
  return examplePayload("push", undefined, {
    ref: `refs/heads/${branch}`,
    before,
    after,
    deleted: false,
    head_commit: { id: after, message },
    repository: { default_branch: "main" },
  });
}
