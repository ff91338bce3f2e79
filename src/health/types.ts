/** Argo CD's health verdicts, in the order of how bad they are (see `isWorse`). */
export type HealthStatus = "Healthy" | "Suspended" | "Progressing" | "Missing" | "Degraded" | "Unknown";

/** How verdicts are worded. */
export interface HealthOptions {
  /**
   * Show a crashed container's termination message. Off by default: with `FallbackToLogsOnError` it is
   * the tail of the container's log, where connection strings and passwords often are.
   */
  terminationMessages?: boolean;
}

/** A verdict with the reason a person reads. */
export interface Health {
  status: HealthStatus;
  message?: string;
}

/** Plain object data as the cluster returns it. */
export type LiveObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown> & {
    generation?: number;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

/** A condition as the cluster reports it. */
export interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}
