import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { formatPath, isRecord, type KubeObject } from "../manifests/index.js";
import type { SchemaBundle } from "./openapi-bundle.js";
import type { Violation } from "./types.js";

const MAX_CUSTOM = 256;

/**
 * Validates objects against OpenAPI schemas the way `kubectl apply --validate=strict` does: types,
 * required fields, enums, and unknown fields (which the apiserver would reject or silently drop, and
 * which are usually typos such as `replica:`).
 */
export class SchemaValidator {
  private readonly ajv = new Ajv({
    strict: false,
    allErrors: true,
    validateFormats: false,
    allowUnionTypes: true,
  });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly custom = new Map<string, ValidateFunction>();
  private readonly customIds = new Map<string, string>();

  constructor(private readonly bundle: SchemaBundle) {
    this.ajv.addSchema({ $id: "k8s", components: { schemas: strictCopy(bundle.schemas) } });
  }

  /** Whether the bundle knows `group/version/Kind`. */
  knows(gvk: string): boolean {
    return this.bundle.kinds.has(gvk);
  }

  /** Violations of a built-in kind's schema. */
  validateBuiltin(gvk: string, object: KubeObject): Violation[] {
    let validate = this.compiled.get(gvk);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `k8s#/components/schemas/${this.bundle.kinds.get(gvk)}` });
      this.compiled.set(gvk, validate);
    }
    return validate(object) ? [] : describe(validate.errors ?? []);
  }

  /**
   * Violations of a CRD's `openAPIV3Schema`, compiled once per distinct schema (`key` names its content).
   * At most {@link MAX_CUSTOM} are kept, since a long-running app sees CRDs from many repositories.
   */
  validateCustom(key: string, schema: Record<string, unknown>, object: KubeObject): Violation[] {
    let validate = this.custom.get(key);
    if (!validate) {
      if (this.custom.size >= MAX_CUSTOM) {
        for (const old of this.custom.keys()) this.ajv.removeSchema(this.customIds.get(old));
        this.custom.clear();
      }
      const id = `crd-${this.custom.size}-${key}`;
      validate = this.ajv.compile({
        $id: id,
        ...(strictCopy(withObjectMeta(schema)) as Record<string, unknown>),
      });
      this.custom.set(key, validate);
      this.customIds.set(key, id);
    }
    return validate(object) ? [] : describe(validate.errors ?? []);
  }
}

// A CRD's schema rarely describes metadata and never apiVersion or kind; the apiserver handles them.
function withObjectMeta(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  return {
    ...schema,
    type: "object",
    properties: {
      ...properties,
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
    },
  };
}

// Unknown fields are errors unless the schema keeps them (x-kubernetes-preserve-unknown-fields) or
// describes a map (additionalProperties), as in strict field validation.
function strictCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strictCopy);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = strictCopy(v);
  if (
    isRecord(value.properties) &&
    value.additionalProperties === undefined &&
    value["x-kubernetes-preserve-unknown-fields"] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

function describe(errors: ErrorObject[]): Violation[] {
  const byPath = new Map<string, Violation>();
  // An int-or-string or quantity that is neither reports once, not once per branch.
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === "oneOf").map((e) => e.instancePath));
  for (const e of errors) {
    const path = toPath(e.instancePath);
    const at = path.length > 0 ? formatPath(path) : "the object";
    let violation: Violation;
    switch (e.keyword) {
      case "additionalProperties": {
        const key = String(e.params.additionalProperty);
        violation = { message: `unknown field ${formatPath([...path, key])}`, path: [...path, key] };
        break;
      }
      case "required":
        violation = { message: `${at} is missing required field ${String(e.params.missingProperty)}`, path };
        break;
      case "enum":
        violation = {
          message: `${at} must be one of ${(e.params.allowedValues as unknown[]).map(String).join(", ")}`,
          path,
        };
        break;
      case "type":
        if (oneOfPaths.has(e.instancePath)) continue;
        violation = { message: `${at} must be ${article(String(e.params.type))}`, path };
        break;
      case "oneOf": {
        const types = errors
          .filter((o) => o.instancePath === e.instancePath && o.keyword === "type")
          .map((o) => String(o.params.type));
        violation = {
          message: `${at} must be ${types.length > 0 ? types.map(article).join(" or ") : "of one allowed form"}`,
          path,
        };
        break;
      }
      default:
        violation = { message: `${at} ${e.message ?? "is invalid"}`, path };
    }
    if (!byPath.has(violation.message)) byPath.set(violation.message, violation);
  }
  return [...byPath.values()];
}

function toPath(pointer: string): Array<string | number> {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
