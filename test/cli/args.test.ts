import { describe, expect, it } from "vitest";
import { type Command, parseCommand } from "../../src/cli/args.js";
import { UsageError } from "../../src/errors.js";

describe("parseCommand", () => {
  it.each<[string[], Command]>([
    [[], { name: "help", topic: undefined }],
    [["help", "diff"], { name: "help", topic: "diff" }],
    [["--version"], { name: "version" }],
    [
      ["diff", "--repo", ".", "--base", "main", "--head", "HEAD"],
      {
        name: "diff",
        options: {
          repo: { dir: ".", base: "main", head: "HEAD" },
          environments: [],
          format: "markdown",
          config: undefined,
        },
      },
    ],
    [
      [
        "diff",
        "--base-dir",
        "a",
        "--head-dir",
        "b",
        "--env",
        "staging",
        "--env",
        "prod",
        "--format",
        "json",
        "--config",
        "c.yml",
      ],
      {
        name: "diff",
        options: {
          dirs: { base: "a", head: "b" },
          environments: ["staging", "prod"],
          format: "json",
          config: "c.yml",
        },
      },
    ],
    [["health", "-f", "-"], { name: "health", options: { file: "-", format: "text" } }],
    [
      ["health", "--env", "prod", "--kubeconfig", "k", "--format", "json"],
      {
        name: "health",
        options: {
          environment: { name: "prod", kubeconfig: "k", context: undefined, namespace: undefined },
          format: "json",
        },
      },
    ],
    [
      ["drift", "--repo", ".", "--env", "prod", "--kubeconfig", "k", "--format", "json"],
      {
        name: "drift",
        options: {
          repo: ".",
          config: undefined,
          environment: "prod",
          kubeconfig: "k",
          context: undefined,
          format: "json",
        },
      },
    ],
    [
      ["sync", "--dir", "d", "--env", "prod", "--kubeconfig", "k"],
      {
        name: "sync",
        options: {
          dir: "d",
          config: undefined,
          environment: "prod",
          kubeconfig: "k",
          context: undefined,
          dryRun: false,
          prune: true,
          wait: false,
          timeoutMs: undefined,
          format: "text",
        },
      },
    ],
    [
      [
        "sync",
        "--repo",
        ".",
        "--ref",
        "main",
        "--env",
        "prod",
        "--kubeconfig",
        "k",
        "--context",
        "c",
        "--no-prune",
        "--wait",
        "--timeout",
        "1m30s",
        "--repository",
        "acme/shop",
        "--repository-id",
        "1296269",
        "--format",
        "json",
      ],
      {
        name: "sync",
        options: {
          repo: { dir: ".", ref: "main" },
          config: undefined,
          environment: "prod",
          kubeconfig: "k",
          context: "c",
          dryRun: false,
          prune: false,
          wait: true,
          timeoutMs: 90_000,
          owner: { id: 1296269, name: "acme/shop" },
          format: "json",
        },
      },
    ],
  ])("%j", (argv, command) => expect(parseCommand(argv)).toEqual(command));

  it.each<[string[], string]>([
    [["deploy"], 'unknown command "deploy"'],
    [
      ["diff"],
      "give one of --repo DIR --base REF --head REF, --base-dir A --head-dir B, or --pr OWNER/REPO#N",
    ],
    [["diff", "--repo", ".", "--base-dir", "a"], "give one of"],
    [["diff", "--pr", "a/b#1", "--base-dir", "a"], "give one of"],
    [["diff", "--repo", ".", "--base", "a", "--head", "b", "--comment"], "--comment goes with --pr"],
    [["diff", "--pr", "a/b#1", "--comment", "--env", "staging"], "it does not go with --env"],
    [["diff", "--pr", "a/b"], "--pr must be OWNER/REPO#N"],
    [["policy", "--dir", ".", "--context", "prod"], "--context goes with --kubeconfig"],
    [["diff", "--repo", ".", "--base", "main"], "--repo, --base and --head go together"],
    [["diff", "--base-dir", "a"], "--base-dir and --head-dir go together"],
    [
      ["diff", "--base-dir", "a", "--head-dir", "b", "--format", "html"],
      '--format must be markdown or json (got "html")',
    ],
    [["diff", "--base-dir", "a", "--head-dir", "b", "--colour"], "Unknown option '--colour'"],
    [["health"], "give either -f FILE (- for stdin) or --env NAME"],
    [["health", "-f", "x", "--env", "prod"], "give either -f FILE"],
    [["health", "--env", "prod"], "--env needs --kubeconfig PATH"],
    [["health", "-f", "x", "--kubeconfig", "k"], "--kubeconfig, --context and --namespace go with --env"],
    [["drift", "--env", "p", "--kubeconfig", "k"], "give either --repo DIR or --dir DIR"],
    [
      ["drift", "--repo", ".", "--dir", "d", "--env", "p", "--kubeconfig", "k"],
      "give either --repo DIR or --dir DIR",
    ],
    [["drift", "--dir", "d", "--kubeconfig", "k"], "--env NAME is required"],
    [["drift", "--dir", "d", "--env", "p"], "--kubeconfig PATH is required"],
    [
      ["drift", "--dir", "d", "--env", "p", "--kubeconfig", "k", "--format", "yaml"],
      '--format must be text or json (got "yaml")',
    ],
    [["sync", "--env", "p", "--kubeconfig", "k"], "give either --repo DIR --ref REF, or --dir DIR"],
    [["sync", "--repo", ".", "--env", "p", "--kubeconfig", "k"], "--repo and --ref go together"],
    [["sync", "--dir", "d", "--kubeconfig", "k"], "--env NAME is required"],
    [["sync", "--dir", "d", "--env", "p"], "--kubeconfig PATH is required"],
    [
      ["sync", "--dir", "d", "--env", "p", "--kubeconfig", "k", "--wait", "--timeout", "5 min"],
      '--timeout: invalid duration "5 min": must be a duration such as 90s, 5m or 1h30m',
    ],
    [
      ["sync", "--dir", "d", "--env", "p", "--kubeconfig", "k", "--wait", "--timeout", "600h"],
      '--timeout: invalid duration "600h": must be at most 24h',
    ],
    [
      ["sync", "--dir", "d", "--env", "p", "--kubeconfig", "k", "--timeout", "5m"],
      "--timeout goes with --wait",
    ],
    [
      ["sync", "--dir", "d", "--env", "p", "--kubeconfig", "k", "--wait", "--dry-run"],
      "--wait cannot go with --dry-run",
    ],
    [
      ["sync", "--dir", "d", "--env", "p", "--kubeconfig", "k", "--repository-id", "12"],
      "--repository and --repository-id go together",
    ],
    [
      [
        "sync",
        "--dir",
        "d",
        "--env",
        "p",
        "--kubeconfig",
        "k",
        "--repository",
        "a/b",
        "--repository-id",
        "x",
      ],
      '--repository-id must be a repository\'s numeric id (got "x")',
    ],
  ])("%j is a usage error", (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });
});
