import type { Config, Environment, ServerConfig } from "../config/index.js";
import {
  type ActiveFreeze,
  activeFreeze,
  describeFreeze,
  formatInZone,
  type SourcedWindow,
} from "./windows.js";

export {
  type ActiveFreeze,
  activeFreeze,
  describeFreeze,
  formatInZone,
  type SourcedWindow,
  zonedInstant,
} from "./windows.js";

/**
 * The freeze windows that hold an environment's deploys: the repository's, the environment's own, and
 * the server config's for its cluster. The last are the platform team's, and no repository config can
 * lift them.
 */
export function freezeWindowsFor(
  config: Pick<Config, "freeze"> | undefined,
  env: Pick<Environment, "freeze" | "cluster">,
  server: ServerConfig | undefined,
): SourcedWindow[] {
  const cluster = env.cluster ? server?.clusters[env.cluster] : undefined;
  return [
    ...(config?.freeze ?? []).map((window) => ({ window, source: ".github/capstan.yml" })),
    ...env.freeze.map((window) => ({ window, source: ".github/capstan.yml" })),
    ...(cluster?.freeze ?? []).map((window) => ({
      window,
      source: `the server config for cluster ${env.cluster}`,
    })),
  ];
}

/** The freeze holding an environment's deploys at `now`, if any. */
export function environmentFreeze(
  config: Pick<Config, "freeze"> | undefined,
  env: Pick<Environment, "freeze" | "cluster">,
  server: ServerConfig | undefined,
  now: Date,
): ActiveFreeze | undefined {
  return activeFreeze(freezeWindowsFor(config, env, server), now);
}

/** When a freeze ends, in the zone of its last window: `2026-12-07 08:00 Europe/Berlin`. */
export function freezeEnd(freeze: ActiveFreeze): string {
  return formatInZone(freeze.until, freeze.last.window.timeZone);
}

/** `frozen until 2026-12-07 08:00 Europe/Berlin (weekend, set in .github/capstan.yml)`. */
export function frozenUntil(freeze: ActiveFreeze): string {
  return `frozen until ${freezeEnd(freeze)} (${describeFreeze(freeze)})`;
}
