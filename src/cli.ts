#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { parseCommand, USAGE } from "./cli/args.js";
import { CapstanError, ConfigError, UsageError } from "./errors.js";

// The only place that exits the process: commands return their exit code, errors map to one here.
async function main(argv: string[]): Promise<number> {
  const command = parseCommand(argv);
  switch (command.name) {
    case "help":
      process.stdout.write(`${USAGE[command.topic ?? "main"] ?? USAGE.main}\n`);
      return 0;
    case "version": {
      const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
        version: string;
      };
      process.stdout.write(`capstan ${pkg.version}\n`);
      return 0;
    }
    case "diff":
      if (command.options.pr) {
        const { diffPullRequest } = await import("./commands/diff-pull-request.js");
        return print(
          await diffPullRequest(
            { ...command.options, pr: command.options.pr },
            { env: process.env, note: (line) => process.stderr.write(`capstan: ${line}\n`) },
          ),
        );
      }
      return print(await (await import("./commands/diff.js")).diff(command.options));
    case "health":
      return print(await (await import("./commands/health.js")).health(command.options));
    case "sync":
      return print(await (await import("./commands/sync.js")).sync(command.options));
    case "drift":
      return print(await (await import("./commands/drift.js")).drift(command.options));
    case "policy":
      return print(await (await import("./commands/policy.js")).policy(command.options));
  }
}

// Commands load lazily (client-node alone takes 0.3 s), print their output and give the exit code.
function print(result: { output: string; exitCode: number }): number {
  process.stdout.write(result.output);
  return result.exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`capstan: ${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof CapstanError) {
      process.stderr.write(`capstan: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(
        `capstan: internal error, please report it: ${(err as Error)?.stack ?? String(err)}\n`,
      );
      process.exitCode = 1;
    }
  },
);
