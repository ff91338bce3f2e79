import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { delimiter, isAbsolute, join } from "node:path";
import { RenderError } from "../errors.js";
import { formatBytes, type RenderLimits } from "./limits.js";
import { redact } from "./redact.js";

/** The renderer binaries Capstan runs, each overridable with an environment variable. */
export type Tool = "kustomize" | "helm";

const OVERRIDES: Record<Tool, string> = { kustomize: "CAPSTAN_KUSTOMIZE", helm: "CAPSTAN_HELM" };

/** What to run: a tool, its arguments, and variables the tool needs on top of the stripped environment. */
export interface RunRequest {
  tool: Tool;
  args: string[];
  cwd: string;
  /** Extra variables; `$HOME` in a value is replaced with the run's private home directory. */
  env?: Record<string, string>;
  limits: RenderLimits;
  /** Strings struck from the tool's messages (Secret values the tool may quote). */
  redact?: Iterable<string>;
  /** Replaced by `replaceWith` in the tool's messages, so temporary paths do not reach users. */
  hidePath?: string;
  replaceWith?: string;
}

/**
 * Finds a tool's binary: the override variable (`CAPSTAN_KUSTOMIZE`, `CAPSTAN_HELM`), else PATH, else the
 * folder `npm run tools` builds into (`$CAPSTAN_TOOLS_DIR/bin`, default `~/.cache/capstan/tools/bin`).
 *
 * @throws RenderError saying how to install or point at the tool
 */
export function findTool(tool: Tool, env: NodeJS.ProcessEnv = process.env): string {
  const override = env[OVERRIDES[tool]];
  if (override) {
    if (!isAbsolute(override) || !isExecutable(override)) {
      throw new RenderError(
        `${OVERRIDES[tool]}=${override} is not an executable file (an absolute path is needed)`,
      );
    }
    return override;
  }
  const built = join(
    env.CAPSTAN_TOOLS_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "capstan/tools"),
    "bin",
  );
  for (const dir of [...(env.PATH ?? "").split(delimiter), built]) {
    if (dir && isExecutable(join(dir, tool))) return join(dir, tool);
  }
  throw new RenderError(
    `${tool} was not found on PATH; install it (npm run tools) or set ${OVERRIDES[tool]}`,
  );
}

/**
 * What names a tool's build for cache keys: its resolved path, size and modification time, so an upgrade
 * of the binary is a new key without running it.
 */
export async function toolIdentity(tool: Tool): Promise<string> {
  const binary = findTool(tool);
  const info = await stat(binary);
  return `${tool}:${binary}:${info.size}:${info.mtimeMs}`;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

let networkIsolation: string[] | undefined;

// `unshare -rn` gives the tool a network namespace with only a loopback that is down, so a chart or a
// kustomization cannot reach anything. Where user namespaces are not allowed, the stripped environment
// (no proxy, no credentials, no kubeconfig) is the remaining defence.
function isolationPrefix(): string[] {
  if (networkIsolation === undefined) {
    const probe = spawnSync("unshare", ["-rn", "true"], { stdio: "ignore", timeout: 5000 });
    networkIsolation = probe.status === 0 ? ["unshare", "-rn", "--"] : [];
  }
  return networkIsolation;
}

/** Whether renderer runs get a network namespace of their own on this machine. */
export function hasNetworkIsolation(): boolean {
  return isolationPrefix().length > 0;
}

/**
 * Runs a renderer with a time limit, an output cap and a stripped environment: no credentials, no
 * proxy, no kubeconfig, a private empty HOME, and no network where the kernel allows it. The whole
 * process group is killed on timeout or overflow.
 *
 * @returns the tool's stdout
 * @throws RenderError holding the tool's own message on failure
 */
export async function runTool(request: RunRequest): Promise<string> {
  const binary = findTool(request.tool);
  const home = await mkdtemp(join(tmpdir(), "capstan-home-"));
  try {
    return await spawnBounded(binary, request, home);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** Told of every renderer process group as it starts and ends. */
export type ChildObserver = (pid: number, running: boolean) => void;

let observer: ChildObserver | undefined;

/**
 * Reports each renderer's process group to `watch`. A worker thread that runs renders tells its parent,
 * which kills the groups when it has to stop the worker mid-render: a terminated thread cannot.
 */
export function observeChildren(watch: ChildObserver | undefined): void {
  observer = watch;
}

function spawnBounded(binary: string, request: RunRequest, home: string): Promise<string> {
  const { limits } = request;
  const env: Record<string, string> = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    TMPDIR: home,
    LANG: "C.UTF-8",
  };
  for (const [key, value] of Object.entries(request.env ?? {})) env[key] = value.replaceAll("$HOME", home);
  const [command, ...prefix] = [...isolationPrefix(), binary];
  return new Promise((resolve, reject) => {
    const child = spawn(command!, [...prefix, ...request.args], {
      cwd: request.cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    if (child.pid !== undefined) observer?.(child.pid, true);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let failure: string | undefined;
    const kill = (reason: string) => {
      failure ??= reason;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => kill(`timed out after ${limits.timeoutMs / 1000} s`), limits.timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > limits.maxOutputBytes) kill(`output exceeded ${formatBytes(limits.maxOutputBytes)}`);
      else out.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (errBytes < 64 * 1024) err.push(chunk);
      errBytes += chunk.length;
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new RenderError(`${request.tool} could not be started: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (child.pid !== undefined) observer?.(child.pid, false);
      if (failure) return reject(new RenderError(`${request.tool} ${failure}`));
      if (code !== 0) {
        const message = cleanMessage(Buffer.concat(err).toString("utf8"), request);
        return reject(new RenderError(`${request.tool} failed (${signal ?? `exit ${code}`}): ${message}`));
      }
      resolve(Buffer.concat(out).toString("utf8"));
    });
  });
}

// What of stderr is redacted and shown: far more than the 20 lines kept, so no value straddles the cut,
// while redaction stays bounded whatever the tool printed.
const REDACTED_PREFIX = 64 * 1024;
// Past this many sensitive strings, striking them costs more than the message is worth.
const MAX_REDACTIONS = 200_000;

function cleanMessage(stderr: string, request: RunRequest): string {
  const values = [...(request.redact ?? [])];
  if (values.length > MAX_REDACTIONS)
    return "(the message is withheld: the input holds too many Secret values to strike them from it)";
  let text = redact(stderr.trim().slice(0, REDACTED_PREFIX), values);
  if (request.hidePath) text = text.replaceAll(request.hidePath, request.replaceWith ?? ".");
  // The tools print their usage after some errors; the first lines carry the reason.
  const lines = text.split("\n").filter((l) => !/^\s*$/.test(l));
  const usage = lines.findIndex((l) => /^Usage:/.test(l));
  const kept = (usage === -1 ? lines : lines.slice(0, usage)).slice(0, 20).join("\n");
  return kept.length > 2000 ? `${kept.slice(0, 2000)}…` : kept || "(no message)";
}
