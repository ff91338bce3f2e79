import { isRecord } from "./record.js";
import { groupOf } from "./ref.js";
import type { KubeObject } from "./types.js";

// What the apiserver accepts as a name, kind by kind. Each kind validates its own: most take a DNS
// subdomain, a few a DNS label (their name becomes a host name or a label value), and some any path
// segment. Checked against kube-apiserver 1.36 with server-side dry runs (see fixtures/conformance).

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `group/Kind` (core group empty) → the name format its objects must have. */
const FORMATS: Record<string, NameFormat> = {
  "/Namespace": "label",
  "/Service": "label",
  "apps/StatefulSet": "label",
  "batch/CronJob": "cronjob",
  "/Event": "segment",
  "events.k8s.io/Event": "segment",
  "policy/PodDisruptionBudget": "segment",
  "certificates.k8s.io/CertificateSigningRequest": "segment",
  "rbac.authorization.k8s.io/Role": "segment",
  "rbac.authorization.k8s.io/ClusterRole": "segment",
  "rbac.authorization.k8s.io/RoleBinding": "segment",
  "rbac.authorization.k8s.io/ClusterRoleBinding": "segment",
  "apiextensions.k8s.io/CustomResourceDefinition": "crd",
  "apiregistration.k8s.io/APIService": "apiservice",
  // An IP address in canonical form; rare in a repository, and not judged here.
  "networking.k8s.io/IPAddress": "unchecked",
};

type NameFormat = "subdomain" | "label" | "cronjob" | "segment" | "crd" | "apiservice" | "unchecked";

const SUBDOMAIN_RULE =
  "a lowercase RFC 1123 subdomain: at most 253 lower case alphanumeric characters, '-' or '.', starting and ending with an alphanumeric character";
const LABEL_RULE =
  "a lowercase RFC 1123 label: at most 63 lower case alphanumeric characters or '-', starting and ending with an alphanumeric character";

/**
 * Why the apiserver would refuse the object's `metadata.name`, in its terms; `undefined` when the name
 * is valid for its kind (or absent, which other checks report).
 */
export function nameProblem(object: KubeObject): string | undefined {
  const name = object.metadata?.name;
  if (typeof name !== "string" || name === "") return undefined;
  const format = FORMATS[`${groupOf(object.apiVersion)}/${object.kind}`] ?? "subdomain";
  switch (format) {
    case "subdomain":
      return name.length <= 253 && SUBDOMAIN.test(name) ? undefined : `must be ${SUBDOMAIN_RULE}`;
    case "label":
      return name.length <= 63 && LABEL.test(name) ? undefined : `must be ${LABEL_RULE}`;
    case "cronjob":
      // The CronJob controller appends an 11-character suffix for its Jobs, whose names become labels.
      if (name.length > 52) return "must be no more than 52 characters";
      return SUBDOMAIN.test(name) ? undefined : `must be ${SUBDOMAIN_RULE}`;
    case "segment":
      if (name === "." || name === "..") return `may not be '${name}'`;
      if (/[/%]/.test(name)) return `may not contain '${name.includes("/") ? "/" : "%"}'`;
      return undefined;
    case "crd": {
      const spec = isRecord(object.spec) ? object.spec : {};
      const plural = isRecord(spec.names) ? spec.names.plural : undefined;
      const expected = `${String(plural)}.${String(spec.group)}`;
      return name === expected ? undefined : `must be spec.names.plural+"."+spec.group (${expected})`;
    }
    case "apiservice": {
      const spec = isRecord(object.spec) ? object.spec : {};
      const expected = `${String(spec.version)}.${String(spec.group)}`;
      return name === expected ? undefined : `must be spec.version+"."+spec.group (${expected})`;
    }
    case "unchecked":
      return undefined;
  }
}
