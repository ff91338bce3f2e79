/**
 * Errors a user can act on. Their message is shown as it is (no stack) on the PR, in check runs and on
 * stderr, so it must never hold a Secret value and should say what to change.
 */
export class CapstanError extends Error {
  override name = "CapstanError";
}

/** A command line that cannot be run as given (unknown flag, missing argument). The CLI exits with 2. */
export class UsageError extends CapstanError {
  override name = "UsageError";
}

/** Where in a file a problem is: a repository-relative path and a 1-based line. */
export interface SourcePosition {
  file: string;
  line: number;
}

/** `.github/capstan.yml` (or the server config) is invalid. Each problem names its file, line and key path. */
export class ConfigError extends CapstanError {
  override name = "ConfigError";
  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      problems.length === 1
        ? formatProblem(file, problems[0]!)
        : `${file} has ${problems.length} problems:\n${problems.map((p) => `  ${formatProblem(file, p)}`).join("\n")}`,
    );
  }
}

/** One invalid key of a config file. */
export interface ConfigProblem {
  /** 1-based line of the offending key (or of its parent when the key is missing). */
  line: number;
  /** The key path in the user's words, e.g. `environments[1].renderer`. */
  path: string;
  message: string;
}

function formatProblem(file: string, p: ConfigProblem): string {
  return `${file}:${p.line}: ${p.path ? `${p.path}: ` : ""}${p.message}`;
}

/** A manifest cannot be read: malformed YAML, a duplicate object, a file too big, a hostile path. */
export class ManifestError extends CapstanError {
  override name = "ManifestError";
  constructor(
    message: string,
    readonly position?: SourcePosition,
  ) {
    super(position ? `${position.file}:${position.line}: ${message}` : message);
  }
}

/** A renderer (kustomize, helm) refused or failed; the message holds the tool's own words. */
export class RenderError extends CapstanError {
  override name = "RenderError";
}

/** Formats any thrown value for a log line or a comment without leaking a stack to users. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
