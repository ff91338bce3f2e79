import { ApiException } from "@kubernetes/client-node";
import { CapstanError } from "../errors.js";
import { formatRef, isSecretLike, type ObjectRef } from "../manifests/index.js";

/** What Capstan was doing to an object when the cluster refused. */
export type ObjectOperation = "read" | "dry-run" | "apply" | "delete";

/** A cluster call about one object that failed, named after the object (`Deployment/web/api dry-run failed (…)`). */
export class ObjectError extends Error {
  override name = "ObjectError";
  constructor(
    readonly ref: ObjectRef,
    readonly op: ObjectOperation,
    override readonly cause: unknown,
  ) {
    // The apiserver's message about a Secret may quote one of its values: only the reason is kept.
    const secret = isSecretLike(ref);
    super(
      `${formatRef(ref)} ${op} failed (${reasonOf(cause)})${secret ? "; the message is withheld, as it may quote a Secret value" : `: ${messageOf(cause)}`}`,
    );
  }
}

/** Whether the cluster answered 404. */
export function isNotFound(err: unknown): boolean {
  return err instanceof ApiException && err.code === 404;
}

/** Whether a change was refused because it touches an immutable field. */
export function isImmutableError(err: unknown): boolean {
  return /immutable|field is immutable/i.test(messageOf(err));
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EPIPE",
]);

/** Whether a call failed because the apiserver could not be reached (refused, reset, timed out…). */
export function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code ?? (err as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === "string" && NETWORK_CODES.has(code);
}

function reasonOf(err: unknown): string {
  if (isUnreachable(err)) return "cluster unreachable";
  if (err instanceof ApiException) {
    const body = parseBody(err.body);
    return typeof body?.reason === "string" ? body.reason : `HTTP ${err.code}`;
  }
  return (err as Error)?.name ?? "error";
}

function messageOf(err: unknown): string {
  if (err instanceof ApiException) {
    const body = parseBody(err.body);
    if (typeof body?.message === "string") return body.message;
  }
  return (err as Error)?.message ?? String(err);
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
  if (typeof body === "string") {
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>) : undefined;
}

/**
 * A failure of a call to the cluster as a CapstanError a person can act on (`cannot reach the cluster…`,
 * `the cluster refused…`), or `undefined` for errors that are not the cluster's (bugs stay bugs).
 */
export function asClusterError(err: unknown, cluster: string): CapstanError | undefined {
  if (err instanceof CapstanError) return err;
  if (err instanceof ObjectError) return new CapstanError(`cluster ${cluster}: ${err.message}`);
  if (isUnreachable(err)) return new CapstanError(`cannot reach cluster ${cluster}: ${messageOf(err)}`);
  if (err instanceof ApiException)
    return new CapstanError(`cluster ${cluster} refused (${reasonOf(err)}): ${messageOf(err)}`);
  return undefined;
}
