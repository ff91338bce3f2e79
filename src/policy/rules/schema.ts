import { createHash } from "node:crypto";
import { groupOf, isRecord, type KubeObject, type Manifest, nameProblem } from "../../manifests/index.js";
import { loadBundle } from "../openapi-bundle.js";
import { SchemaValidator } from "../schema-validator.js";
import type { PolicySettings, Rule, Violation } from "../types.js";

const validators = new Map<string, SchemaValidator>();
const crdIndexes = new WeakMap<readonly Manifest[], Map<string, Record<string, unknown>>>();

/**
 * Objects of a known kind must match the Kubernetes OpenAPI schema of the environment's target version,
 * and custom resources the schema of their CRD: one in the same render first, else the one the
 * environment's cluster serves (see {@link kindsWithoutSchema}). Other kinds get a notice, not an error.
 * Every object's name must be one the apiserver accepts for its kind, which no schema says.
 */
export const schema: Rule = {
  id: "schema",
  defaultSeverity: "error",
  rationale:
    "An object the apiserver cannot accept fails the deploy; an unknown field is usually a typo it would drop.",
  hint: "Fix the field named in the message; `kubectl explain <kind>.<field>` shows what the API expects.",
  check(object, settings) {
    const named = nameProblem(object);
    const name = named
      ? [{ path: ["metadata", "name"], message: `metadata.name "${object.metadata.name}" ${named}` }]
      : [];
    return [...name, ...approval(object), ...schemaViolations(object, settings)];
  },
};

// The apiserver refuses a CRD of a protected group (k8s.io, kubernetes.io and their subdomains) without
// the approval annotation, which no OpenAPI schema says (kubernetes/enhancements#1111).
function approval(object: KubeObject): Violation[] {
  if (object.kind !== "CustomResourceDefinition" || groupOf(object.apiVersion) !== "apiextensions.k8s.io")
    return [];
  const group = isRecord(object.spec) ? object.spec.group : undefined;
  if (typeof group !== "string" || !/(^|\.)(k8s\.io|kubernetes\.io)$/.test(group)) return [];
  if (object.metadata.annotations?.[APPROVAL] !== undefined) return [];
  return [
    {
      message: `a CRD of the protected group ${group} needs the annotation ${APPROVAL} (the URL of its API review), or the apiserver refuses it`,
      path: ["metadata", "name"],
    },
  ];
}

const APPROVAL = "api-approved.kubernetes.io";

/**
 * The custom resource kinds (`group/version/Kind`) of a render that neither Kubernetes `kubeVersion` nor
 * a CRD in the render describes: what the server asks the environment's cluster for.
 */
export function kindsWithoutSchema(manifests: readonly Manifest[], kubeVersion: string): string[] {
  const validator = validatorFor(kubeVersion);
  const crds = crdsOf(manifests);
  const kinds = new Set<string>();
  for (const m of manifests) {
    const object = m.object as KubeObject;
    if (typeof object.apiVersion !== "string" || !object.apiVersion.includes("/")) continue;
    const gvk = gvkOf(object);
    if (!validator.knows(gvk) && !crds.has(gvk)) kinds.add(gvk);
  }
  return [...kinds];
}

function validatorFor(kubeVersion: string): SchemaValidator {
  const { bundle } = loadBundle(kubeVersion);
  let validator = validators.get(bundle.version);
  if (!validator) {
    validator = new SchemaValidator(bundle);
    validators.set(bundle.version, validator);
  }
  return validator;
}

function gvkOf(object: KubeObject): string {
  const version = object.apiVersion.includes("/")
    ? object.apiVersion.slice(object.apiVersion.indexOf("/") + 1)
    : object.apiVersion;
  return `${groupOf(object.apiVersion)}/${version}/${object.kind}`;
}

function schemaViolations(object: KubeObject, settings: PolicySettings): Violation[] {
  const { bundle, exact } = loadBundle(settings.kubeVersion);
  const validator = validatorFor(settings.kubeVersion);
  const gvk = gvkOf(object);
  const note = exact
    ? []
    : [
        {
          notice: true,
          message: `validated against Kubernetes ${bundle.version}: no schemas are bundled for ${settings.kubeVersion}`,
        },
      ];
  if (validator.knows(gvk)) return [...note, ...validator.validateBuiltin(gvk, object)];
  const crd = crdsOf(settings.objects).get(gvk);
  if (crd)
    return validator.validateCustom(
      `crd:${gvk}:${createHash("sha256").update(JSON.stringify(crd)).digest("hex")}`,
      crd,
      object,
    );
  const served = settings.cluster?.unavailable ? undefined : settings.cluster?.schemas[gvk];
  if (served) return validator.validateCustom(served.key, served.schema, object);
  return [
    {
      notice: true,
      message: `${object.kind} ${object.apiVersion}: no schema is known (not built into Kubernetes ${bundle.version}, ${whyNoCrd(settings, gvk)}); not validated`,
    },
  ];
}

function whyNoCrd(settings: PolicySettings, gvk: string): string {
  const cluster = settings.cluster;
  if (!cluster) return "and no CRD for it in this render";
  if (cluster.unavailable) return `no CRD for it in this render, and ${cluster.unavailable}`;
  return `no CRD for it in this render, and cluster ${cluster.cluster} ${cluster.missing[gvk] ?? "was not asked"}`;
}

// group/version/Kind → openAPIV3Schema of every CRD version in the render.
function crdsOf(objects: readonly Manifest[]): Map<string, Record<string, unknown>> {
  let index = crdIndexes.get(objects);
  if (index) return index;
  index = new Map();
  for (const m of objects) {
    if (m.ref.kind !== "CustomResourceDefinition" || m.ref.group !== "apiextensions.k8s.io") continue;
    const spec = (m.object as KubeObject).spec;
    if (!isRecord(spec) || typeof spec.group !== "string" || !isRecord(spec.names)) continue;
    for (const v of Array.isArray(spec.versions) ? spec.versions : []) {
      const openAPI = isRecord(v) && isRecord(v.schema) ? v.schema.openAPIV3Schema : undefined;
      if (isRecord(v) && typeof v.name === "string" && isRecord(openAPI)) {
        index.set(`${spec.group}/${v.name}/${String(spec.names.kind)}`, openAPI);
      }
    }
  }
  crdIndexes.set(objects, index);
  return index;
}
