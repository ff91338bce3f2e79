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
  ])("%j", (argv, command) => expect(parseCommand(argv)).toEqual(command));

  it.each<[string[], string]>([
    [["deploy"], 'unknown command "deploy"'],
    [["diff"], "give either --repo DIR --base REF --head REF, or --base-dir A --head-dir B"],
    [["diff", "--repo", ".", "--base-dir", "a"], "give either"],
    [["diff", "--repo", ".", "--base", "main"], "--repo, --base and --head go together"],
    [["diff", "--base-dir", "a"], "--base-dir and --head-dir go together"],
    [
      ["diff", "--base-dir", "a", "--head-dir", "b", "--format", "html"],
      '--format must be markdown or json (got "html")',
    ],
    [["diff", "--base-dir", "a", "--head-dir", "b", "--colour"], "Unknown option '--colour'"],
  ])("%j is a usage error", (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });
});
