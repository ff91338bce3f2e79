import yaml from "js-yaml";

// (@types/js-yaml does not declare the `types` export that js-yaml 4 has.)
const builtin = (yaml as unknown as { types: Record<"null" | "float" | "merge", yaml.Type> }).types;

// The apiserver and kubectl read YAML 1.1 (sigs.k8s.io/yaml over go-yaml v2): `yes`/`on` are booleans and
// `0644` is octal. Reading manifests the same way keeps a rendered object equal to the live one.
const BOOL_TRUE = new Set(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]);
const BOOL_FALSE = new Set(["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]);

const bool11 = new yaml.Type("tag:yaml.org,2002:bool", {
  kind: "scalar",
  resolve: (data: string) => BOOL_TRUE.has(data) || BOOL_FALSE.has(data),
  construct: (data: string) => BOOL_TRUE.has(data),
  predicate: (value: unknown) => typeof value === "boolean",
  represent: (value: object) => String(value),
});

const INT11 = /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|0|[1-9][0-9_]*)$/;

const int11 = new yaml.Type("tag:yaml.org,2002:int", {
  kind: "scalar",
  resolve: (data: string) => INT11.test(data) && /[0-9a-fA-F]/.test(data),
  construct: (data: string) => {
    const sign = data.startsWith("-") ? -1 : 1;
    const digits = data.replace(/^[-+]/, "").replace(/_/g, "");
    if (digits.startsWith("0b")) return sign * Number.parseInt(digits.slice(2), 2);
    if (digits.startsWith("0x")) return sign * Number.parseInt(digits.slice(2), 16);
    if (digits.length > 1 && digits.startsWith("0")) return sign * Number.parseInt(digits, 8);
    return sign * Number(digits);
  },
  predicate: (value: unknown) => typeof value === "number" && Number.isInteger(value),
  represent: (value: object) => String(value),
});

/**
 * YAML 1.1 scalars as Kubernetes reads them, plus `<<` merge keys. Timestamps stay strings, as they do
 * when the apiserver decodes into untyped fields.
 */
export const KUBERNETES_YAML = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [builtin.null, bool11, int11, builtin.float, builtin.merge],
});

/**
 * js-yaml's reason for a syntax error, without any part that quotes the document. Its reasons put what
 * they quote after a colon (`tag name cannot contain such characters: !Tr0ub4dor^3`), in quotes
 * (`unidentified alias "x"`) or in `!<…>` (`unknown tag !<x>`), and any of those may be a password.
 */
export function safeReason(err: unknown): string {
  const reason = err instanceof yaml.YAMLException ? err.reason : "unreadable";
  return reason.replace(/:\s.*$/s, "").replace(/!<[^>]*>|"[^"]*"|'[^']*'|![^\s]*/g, "(hidden)");
}
