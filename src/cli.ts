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
    case "diff": {
      const { diff } = await import("./commands/diff.js");
      const result = await diff(command.options);
      process.stdout.write(result.output);
      return result.exitCode;
    }
    case "health": {
      const { health } = await import("./commands/health.js");
      const result = await health(command.options);
      process.stdout.write(result.output);
      return result.exitCode;
    }
    case "sync": {
      const { sync } = await import("./commands/sync.js");
      const result = await sync(command.options);
      process.stdout.write(result.output);
      return result.exitCode;
    }
    case "policy": {
      const { policy } = await import("./commands/policy.js");
      const result = await policy(command.options);
      process.stdout.write(result.output);
      return result.exitCode;
    }
  }
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
