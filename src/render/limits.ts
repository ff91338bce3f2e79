/** Bounds on what rendering one environment may cost. PR content is untrusted, so every one is finite. */
export interface RenderLimits {
  /** Wall-clock limit for one renderer run. */
  timeoutMs: number;
  /** Largest renderer output (stdout) accepted. */
  maxOutputBytes: number;
  /** Largest single manifest file read by the plain renderer. */
  maxFileBytes: number;
  /** Largest sum of manifest files read for one environment. */
  maxTotalBytes: number;
  /** Most files walked below one environment's path. */
  maxFiles: number;
}

/** Defaults for {@link RenderLimits}: generous for real repositories, small enough to keep serving. */
export function defaultRenderLimits(): RenderLimits {
  return {
    timeoutMs: 60_000,
    maxOutputBytes: 64 * 1024 * 1024,
    maxFileBytes: 4 * 1024 * 1024,
    maxTotalBytes: 64 * 1024 * 1024,
    maxFiles: 20_000,
  };
}

/** `4 MiB`, for messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
