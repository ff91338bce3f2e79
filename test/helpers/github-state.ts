import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import nock from "nock";
import * as tar from "tar";
import { INSTALLATION, OWNER, OWNER_ID, REPO, REPOSITORY_ID } from "./webhooks.js";

function issueOf(uri: string): number {
  return Number(/\/issues\/(\d+)\/comments/.exec(uri)![1]);
}

/** A comment as the mock keeps it. */
export interface MockComment {
  id: number;
  body: string;
  user: { login: string; type: "Bot" | "User" };
  performed_via_github_app?: { id: number } | null;
  /** The PR or issue it is on; one a test adds by hand without it is on every one. */
  issue?: number;
}

/** The app's identity as the mock's `GET /app` answers it. */
export const APP = { id: 123, slug: "capstan" };

/** A check run as the mock keeps it. */
export interface MockCheckRun {
  id: number;
  name: string;
  head_sha: string;
  external_id?: string;
  conclusion?: string;
  output: { title?: string; summary?: string; text?: string; annotations: Array<Record<string, unknown>> };
}

/**
 * The state of one repository on GitHub as the app's requests change it, kept by nock interceptors:
 * comments, check runs, reactions, and tarballs of commits. The interceptors answer like GitHub's REST API
 * (the tests also validate every request against GitHub's OpenAPI description), so the tests can assert
 * on the outcome (one comment, one check run per name and SHA) rather than on a request script.
 */
export class GitHubState {
  comments: MockComment[] = [];
  checkRuns: MockCheckRun[] = [];
  reactions: Array<{ comment: number; content: string }> = [];
  /** Head SHA the PR reports when the app checks whether it was superseded. */
  prHeads = new Map<number, { head: string; base: string; fork?: boolean; reads?: number }>();
  permissions = new Map<string, string>();
  /** Deployments created, each with its statuses in order. */
  deployments: Array<{
    id: number;
    ref: string;
    environment: string;
    task: string;
    created_at: string;
    statuses: Array<{ state: string; description: string; created_at: string }>;
  }> = [];
  /**
   * Files on the default branch, as `GET /contents/{path}` serves them (with an ETag, and 304 to a
   * request that sends it back).
   */
  files = new Map<string, string>();
  /** Conditional requests answered 304. */
  notModified = 0;
  /** Merged PRs by merge commit SHA, as `GET /commits/{sha}/pulls` answers for a pushed commit. */
  mergedPulls = new Map<
    string,
    { number: number; title: string; author: string; nodeId: string; labels: string[] }
  >();
  /** Branch heads, as `GET /branches/{branch}` answers. */
  branches = new Map<string, string>();
  /** GraphQL mutations the app sent: the mutation's name and its input. */
  graphql: Array<{ mutation: string; input: Record<string, unknown>; at: number }> = [];
  /** Issues the app opened (drift issues), as GitHub keeps them. */
  issues: Array<{
    number: number;
    title: string;
    body: string;
    state: "open" | "closed";
    state_reason?: string | null;
    labels: string[];
  }> = [];
  /** PRs the app opened (revert PRs), with their labels. */
  openedPulls: Array<{ number: number; title: string; body: string; labels: string[]; nodeId: string }> = [];
  /**
   * Whom `GET /user` names: a personal token's account. Unset, it answers 403 as GitHub does to an
   * installation token (a workflow's `GITHUB_TOKEN`, the App's).
   */
  tokenUser: string | undefined;
  /** Who new comments are by: the App's bot, unless a test writes as a token's account. */
  commentAuthor: MockComment["user"] & { app?: boolean } = {
    login: `${APP.slug}[bot]`,
    type: "Bot",
    app: true,
  };
  /** Commit statuses posted, oldest first. */
  statuses: Array<{ sha: string; state: string; context: string; description?: string }> = [];
  /** Failures to inject: the next N requests matching a method and path prefix get this status. */
  failures: Array<{
    method: string;
    path: string;
    status: number;
    headers?: Record<string, string>;
    /** The error's message; by default a 403 says it is a secondary rate limit. */
    message?: string;
    times: number;
  }> = [];
  private nextId = 1000;

  constructor(readonly scope = nock("https://api.github.com").persist()) {
    const base = `/repos/${OWNER}/${REPO}`;
    scope
      .post(`/app/installations/${INSTALLATION}/access_tokens`)
      .reply(200, { token: "ghs_test", permissions: {} });
    scope.get("/app").reply(200, { ...APP, name: "Capstan", owner: { login: OWNER } });
    scope
      .get(new RegExp(`^${base}/issues/\\d+/comments`))
      .reply((uri) => this.fail("GET", uri) ?? [200, this.commentsOn(issueOf(uri))]);
    scope.post(new RegExp(`^${base}/issues/\\d+/comments$`)).reply((uri, body) => {
      const failed = this.fail("POST", uri);
      if (failed) return failed;
      if ((body as { body: string }).body.length > 65_536)
        return [422, { message: "Body is too long (maximum is 65536 characters)" }];
      const { app, ...user } = this.commentAuthor;
      const comment: MockComment = {
        id: this.nextId++,
        body: (body as { body: string }).body,
        user,
        performed_via_github_app: app ? { id: APP.id } : null,
        issue: issueOf(uri),
      };
      this.comments.push(comment);
      return [201, comment];
    });
    scope.patch(new RegExp(`^${base}/issues/comments/\\d+$`)).reply((uri, body) => {
      const comment = this.comments.find((c) => uri.endsWith(`/${c.id}`));
      if (!comment) return [404, { message: "Not Found" }];
      if ((body as { body: string }).body.length > 65_536)
        return [422, { message: "Body is too long (maximum is 65536 characters)" }];
      comment.body = (body as { body: string }).body;
      return [200, comment];
    });
    scope.delete(new RegExp(`^${base}/issues/comments/\\d+$`)).reply((uri) => {
      this.comments = this.comments.filter((c) => !uri.endsWith(`/${c.id}`));
      return [204];
    });
    scope.post(new RegExp(`^${base}/issues/comments/\\d+/reactions$`)).reply((uri, body) => {
      this.reactions.push({
        comment: Number(uri.split("/").at(-2)),
        content: (body as { content: string }).content,
      });
      return [201, { id: this.nextId++, content: (body as { content: string }).content }];
    });
    scope.get(new RegExp(`^${base}/commits/[0-9a-f]{40}/check-runs`)).reply((uri) => {
      const sha = uri.split("/")[5]!;
      const name = new URL(`https://x${uri}`).searchParams.get("check_name");
      // filter=latest: the newest run of that name first.
      const runs = this.checkRuns.filter((r) => r.head_sha === sha && r.name === name).reverse();
      return [200, { total_count: runs.length, check_runs: runs }];
    });
    scope
      .get("/user")
      .reply(() =>
        this.tokenUser
          ? [200, { login: this.tokenUser, id: 1, type: "User" }]
          : [403, { message: "Resource not accessible by integration" }],
      );
    scope.post(new RegExp(`^${base}/statuses/[0-9a-f]{40}$`)).reply((uri, body) => {
      const b = body as { state: string; context: string; description?: string };
      this.statuses.push({ sha: uri.split("/").at(-1)!, ...b });
      return [201, { id: this.nextId++, state: b.state, context: b.context }];
    });
    scope.post(`${base}/check-runs`).reply((uri, body) => {
      const failed = this.fail("POST", uri);
      if (failed) return failed;
      const b = body as MockCheckRun & { output: MockCheckRun["output"] };
      const tooBig = [b.output?.summary, b.output?.text].some(
        (t) => t !== undefined && Buffer.byteLength(t) > 65_535,
      );
      if (tooBig) return [422, { message: "output.summary and output.text are limited to 65535 bytes" }];
      const run: MockCheckRun = {
        id: this.nextId++,
        name: b.name,
        head_sha: b.head_sha,
        external_id: b.external_id,
        conclusion: b.conclusion,
        output: { ...b.output, annotations: [...(b.output?.annotations ?? [])] },
      };
      this.checkRuns.push(run);
      return [201, run];
    });
    scope.patch(new RegExp(`^${base}/check-runs/\\d+$`)).reply((uri, body) => {
      const run = this.checkRuns.find((r) => uri.endsWith(`/${r.id}`));
      if (!run) return [404, { message: "Not Found" }];
      const b = body as Partial<MockCheckRun>;
      if (b.conclusion) run.conclusion = b.conclusion;
      if (b.output) {
        const annotations = b.output.annotations ?? [];
        run.output = {
          ...run.output,
          ...b.output,
          // As on GitHub, the annotations of an update are appended to the run's.
          annotations: [...run.output.annotations, ...annotations],
        };
      }
      return [200, run];
    });
    scope.get(new RegExp(`^${base}/pulls/\\d+$`)).reply((uri) => {
      const number = Number(uri.split("/").at(-1));
      const pr = this.prHeads.get(number);
      if (!pr) return [404, { message: "Not Found" }];
      const headRepo = pr.fork ? `someone/${REPO}` : `${OWNER}/${REPO}`;
      pr.reads = (pr.reads ?? 0) + 1;
      return [
        200,
        {
          number,
          head: { sha: pr.head, repo: { full_name: headRepo } },
          base: { sha: pr.base, repo: { full_name: `${OWNER}/${REPO}` } },
        },
      ];
    });
    scope.get(new RegExp(`^${base}/commits/[0-9a-f]{40}/pulls`)).reply((uri) => {
      const sha = uri.split("/")[5]!;
      const merged = this.mergedPulls.get(sha);
      if (merged) {
        return [
          200,
          [
            {
              number: merged.number,
              node_id: merged.nodeId,
              title: merged.title,
              state: "closed",
              user: { login: merged.author },
              html_url: `https://github.com/${OWNER}/${REPO}/pull/${merged.number}`,
              labels: merged.labels.map((name) => ({ name })),
              merge_commit_sha: sha,
              merged_at: "2026-11-28T08:00:00Z",
              base: { ref: "main" },
            },
          ],
        ];
      }
      const prs = [...this.prHeads].filter(([, pr]) => pr.head === sha);
      return [
        200,
        prs.map(([number, pr]) => ({
          number,
          state: "open",
          head: { sha: pr.head },
          base: { sha: pr.base },
          labels: [],
        })),
      ];
    });
    scope.post(`${base}/deployments`).reply((_uri, body) => {
      const b = body as { ref: string; environment: string; task?: string };
      const deployment = {
        id: this.nextId++,
        ref: b.ref,
        environment: b.environment,
        task: b.task ?? "deploy",
        created_at: new Date().toISOString(),
        statuses: [],
      };
      this.deployments.push(deployment);
      return [201, { id: deployment.id, ref: b.ref, environment: b.environment, sha: b.ref }];
    });
    scope.post(new RegExp(`^${base}/deployments/\\d+/statuses$`)).reply((uri, body) => {
      const deployment = this.deployments.find((d) => uri.endsWith(`/deployments/${d.id}/statuses`));
      if (!deployment) return [404, { message: "Not Found" }];
      const b = body as { state: string; description: string };
      if (b.description.length > 140)
        return [422, { message: "description is too long (maximum is 140 characters)" }];
      deployment.statuses.push({
        state: b.state,
        description: b.description,
        created_at: new Date().toISOString(),
      });
      return [201, { id: this.nextId++, state: b.state }];
    });
    scope.get(new RegExp(`^${base}/branches/[^/]+$`)).reply((uri) => {
      const sha = this.branches.get(decodeURIComponent(uri.split("/").at(-1)!));
      return sha
        ? [200, { name: uri.split("/").at(-1), commit: { sha, commit: { message: `commit ${sha}` } } }]
        : [404, { message: "Branch not found" }];
    });
    // The app's own view: one installation, holding this one repository.
    scope.get(/^\/app\/installations(\?|$)/).reply(200, [{ id: INSTALLATION, account: { login: OWNER } }]);
    scope.get(/^\/installation\/repositories(\?|$)/).reply(200, {
      total_count: 1,
      repositories: [
        { id: REPOSITORY_ID, name: REPO, owner: { login: OWNER, id: OWNER_ID }, default_branch: "main" },
      ],
    });
    const state = this;
    scope.get(new RegExp(`^${base}/contents/`)).reply(function (uri) {
      const path = decodeURIComponent(new URL(`https://x${uri}`).pathname.slice(`${base}/contents/`.length));
      const content = state.files.get(path);
      if (content === undefined) return [404, { message: "Not Found" }];
      const etag = `"${createHash("sha1").update(content).digest("hex")}"`;
      if (this.req.headers["if-none-match"] === etag) {
        state.notModified++;
        return [304, ""];
      }
      return [
        200,
        {
          type: "file",
          encoding: "base64",
          size: Buffer.byteLength(content),
          name: path.split("/").at(-1),
          path,
          content: Buffer.from(content).toString("base64"),
        },
        { etag },
      ];
    });
    scope.get(new RegExp(`^${base}/pulls\\?`)).reply(() => [
      200,
      [...this.prHeads].map(([number, pr]) => ({
        number,
        state: "open",
        head: { sha: pr.head, repo: { full_name: pr.fork ? `someone/${REPO}` : `${OWNER}/${REPO}` } },
        base: { sha: pr.base, repo: { full_name: `${OWNER}/${REPO}` } },
      })),
    ]);
    scope.get(new RegExp(`^${base}/deployments\\?`)).reply((uri) => {
      const query = new URL(`https://x${uri}`).searchParams;
      const listed = this.deployments
        .filter(
          (d) =>
            (!query.get("sha") || d.ref === query.get("sha")) &&
            (!query.get("environment") || d.environment === query.get("environment")) &&
            (!query.get("task") || d.task === query.get("task")),
        )
        .reverse()
        .map((d) => ({
          id: d.id,
          sha: d.ref,
          ref: d.ref,
          environment: d.environment,
          task: d.task,
          created_at: d.created_at,
          payload: { tool: "capstan" },
        }));
      return [200, listed];
    });
    scope.get(new RegExp(`^${base}/deployments/\\d+/statuses`)).reply((uri) => {
      const deployment = this.deployments.find((d) => uri.includes(`/deployments/${d.id}/statuses`));
      if (!deployment) return [404, { message: "Not Found" }];
      return [200, [...deployment.statuses].reverse()];
    });
    scope.get(new RegExp(`^${base}/issues\\?`)).reply((uri) => {
      const query = new URLSearchParams(uri.split("?")[1]);
      const label = query.get("labels");
      if (label && label !== "capstan:revert")
        return [
          200,
          this.issues
            .filter(
              (i) =>
                i.labels.includes(label) &&
                (query.get("state") === "all" || i.state === (query.get("state") ?? "open")),
            )
            .map((i) => ({ ...i, labels: i.labels.map((name) => ({ name })) })),
        ];
      return this.revertPulls();
    });
    scope.get(new RegExp(`^${base}/issues/\\d+$`)).reply((uri) => {
      const issue = this.issues.find((i) => uri.endsWith(`/issues/${i.number}`));
      return issue
        ? [200, { ...issue, labels: issue.labels.map((name) => ({ name })) }]
        : [404, { message: "Not Found" }];
    });
    scope.post(`${base}/issues`).reply((_uri, body) => {
      const input = body as { title: string; body: string; labels?: string[] };
      const issue = {
        number: this.nextId++,
        title: input.title,
        body: input.body,
        state: "open" as const,
        labels: input.labels ?? [],
      };
      this.issues.push(issue);
      return [201, { ...issue, labels: issue.labels.map((name) => ({ name })) }];
    });
    scope.patch(new RegExp(`^${base}/issues/\\d+$`)).reply((uri, body) => {
      const issue = this.issues.find((i) => uri.endsWith(`/issues/${i.number}`));
      if (!issue) return [404, { message: "Not Found" }];
      Object.assign(issue, body as object);
      return [200, { ...issue, labels: issue.labels.map((name) => ({ name })) }];
    });
    scope.post(new RegExp(`^${base}/issues/\\d+/labels$`)).reply((uri, body) => {
      const pr = this.openedPulls.find((p) => uri.endsWith(`/issues/${p.number}/labels`));
      if (!pr) return [404, { message: "Not Found" }];
      pr.labels.push(...(body as { labels: string[] }).labels);
      return [200, pr.labels.map((name) => ({ name }))];
    });
    scope.post("/graphql").reply((_uri, body) => {
      const b = body as { query: string; variables: { input: Record<string, unknown> } };
      const mutation = /mutation[^{]*\{\s*(\w+)/.exec(b.query)?.[1] ?? "unknown";
      this.graphql.push({ mutation, input: b.variables.input, at: Date.now() });
      if (mutation === "revertPullRequest") {
        const number = this.nextId++;
        const nodeId = `PR_revert_${number}`;
        this.openedPulls.push({
          number,
          title: String(b.variables.input.title),
          body: String(b.variables.input.body),
          labels: [],
          nodeId,
        });
        return [
          200,
          {
            data: {
              revertPullRequest: {
                revertPullRequest: {
                  id: nodeId,
                  number,
                  url: `https://github.com/${OWNER}/${REPO}/pull/${number}`,
                },
              },
            },
          },
        ];
      }
      if (mutation === "enablePullRequestAutoMerge")
        return [200, { data: { enablePullRequestAutoMerge: { pullRequest: { number: 1 } } } }];
      return [200, { errors: [{ message: `the mock does not know ${mutation}` }] }];
    });
    scope.get(new RegExp(`^${base}/collaborators/[^/]+/permission$`)).reply((uri) => {
      const user = uri.split("/").at(-2)!;
      return [200, { permission: this.permissions.get(user) ?? "read", user: { login: user } }];
    });
  }

  /** Serves `dir` as the tarball of commit `sha`, wrapped in one top folder as GitHub does. */
  // The open revert PRs, as `GET /issues?labels=capstan:revert` lists them.
  private revertPulls(): [number, unknown] {
    return [
      200,
      this.openedPulls
        .filter((p) => p.labels.includes("capstan:revert"))
        .map((p) => ({
          number: p.number,
          body: p.body,
          html_url: `https://github.com/${OWNER}/${REPO}/pull/${p.number}`,
          pull_request: {},
        })),
    ];
  }

  /** The comments on one PR or issue. */
  commentsOn(issue: number): MockComment[] {
    return this.comments.filter((c) => c.issue === undefined || c.issue === issue);
  }

  /** Writes `files` (path → content) into `dir` and serves them as the tarball of commit `sha`. */
  serveFiles(sha: string, dir: string, files: Record<string, string>): void {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    this.serveTree(sha, dir);
  }

  serveTree(sha: string, dir: string): void {
    const parent = dir.replace(/\/[^/]+$/, "");
    const name = dir.slice(parent.length + 1);
    const file = join(mkdtempSync(join(tmpdir(), "capstan-tarball-")), "tree.tar.gz");
    tar.c({ gzip: true, cwd: parent, sync: true, portable: true, file }, [name]);
    const data = readFileSync(file);
    rmSync(file);
    this.scope
      .get(`/repos/${OWNER}/${REPO}/tarball/${sha}`)
      .reply(200, data, { "content-type": "application/x-gzip" });
  }

  private fail(method: string, uri: string): [number, unknown, Record<string, string>?] | undefined {
    const failure = this.failures.find((f) => f.method === method && uri.startsWith(f.path) && f.times > 0);
    if (!failure) return undefined;
    failure.times--;
    return [
      failure.status,
      {
        message:
          failure.message ??
          (failure.status === 403 ? "You have exceeded a secondary rate limit." : "Server Error"),
      },
      failure.headers,
    ];
  }
}
