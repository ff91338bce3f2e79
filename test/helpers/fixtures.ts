import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { type Config, parseConfig } from "../../src/config/index.js";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Sample repositories under fixtures/repos, each with a base and a head tree. */
export type FixtureRepo = "shop";

/** Hostile inputs under fixtures/hostile, each a small repository with one environment named `bad`. */
export type HostileCase =
  | "malformed-yaml"
  | "alias-bomb"
  | "duplicate-object"
  | "symlink-escape"
  | "kustomize-remote-base"
  | "kustomize-exec-plugin"
  | "kustomize-generator-dir"
  | "kustomize-secret-patch"
  | "helm-fails"
  | "unknown-renderer"
  | "path-escape"
  | "invalid-config";

/** Absolute path of one side of a sample repository. */
export function fixtureRepo(name: FixtureRepo, side: "base" | "head"): string {
  return join(ROOT, "fixtures/repos", name, side);
}

/** Absolute path of a hostile fixture. */
export function hostile(name: HostileCase): string {
  return join(ROOT, "fixtures/hostile", name);
}

/** The parsed `.github/capstan.yml` of a tree. */
export function treeConfig(root: string): Config {
  return parseConfig(readFileSync(join(root, ".github/capstan.yml"), "utf8"));
}

/** A temporary directory removed by the returned function. */
export function tempDir(prefix = "capstan-test-"): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A git repository with the base tree committed on `main` and the head tree on `feature`, as a PR
 * would have them.
 */
export function gitRepoFrom(name: FixtureRepo): { dir: string; remove: () => void } {
  const repo = tempDir("capstan-repo-");
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", repo.dir, ...args], {
      stdio: "pipe",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@example.com",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@example.com",
      },
    });
  git("init", "-q", "-b", "main");
  cpSync(fixtureRepo(name, "base"), repo.dir, { recursive: true });
  git("add", "-A");
  git("commit", "-q", "-m", "base");
  git("checkout", "-q", "-b", "feature");
  git("rm", "-q", "-r", ".");
  cpSync(fixtureRepo(name, "head"), repo.dir, { recursive: true });
  git("add", "-A");
  git("commit", "-q", "-m", "head");
  git("checkout", "-q", "main");
  return repo;
}

/**
 * Every Secret value of the shop fixture, on either side, plain and base64 (DATABASE_PASSWORD, STRIPE_KEY,
 * API_TOKEN, REDIS_PASSWORD): what must never appear in a report, a request or an error.
 */
export function fixtureSecretValues(): string[] {
  const values: string[] = [];
  for (const side of ["base", "head"] as const) {
    const text = readFileSync(join(fixtureRepo("shop", side), "deploy/base/secret.yaml"), "utf8");
    const secret = yaml.load(text) as { data?: Record<string, string>; stringData?: Record<string, string> };
    for (const v of Object.values(secret.data ?? {})) values.push(v, Buffer.from(v, "base64").toString());
    for (const v of Object.values(secret.stringData ?? {})) values.push(v, Buffer.from(v).toString("base64"));
  }
  if (values.length < 14) throw new Error("the shop fixture's Secret has fewer values than expected");
  return values;
}
