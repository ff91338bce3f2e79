// node openapi-bundle.mjs SPEC_DIR VERSION OUT: merges the component schemas of every OpenAPI v3 document
// in SPEC_DIR into one gzipped JSON {version, schemas}, keeping only what validation reads.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const [dir, version, out] = process.argv.slice(2);
const DROP = new Set([
  "description",
  "default",
  "readOnly",
  "example",
  "x-kubernetes-patch-strategy",
  "x-kubernetes-patch-merge-key",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-list-type",
  "x-kubernetes-map-type",
  "x-kubernetes-validations",
]);
// Drops keywords from schema objects only: inside `properties`, `default` or `readOnly` are field names.
const SUBSCHEMA_MAPS = new Set(["properties", "patternProperties"]);
const SUBSCHEMA_LISTS = new Set(["allOf", "anyOf", "oneOf"]);
const strip = (schema) => {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROP.has(key)) continue;
    if (SUBSCHEMA_MAPS.has(key))
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strip(v)]));
    else if (SUBSCHEMA_LISTS.has(key)) out[key] = value.map(strip);
    else if (key === "items" || key === "additionalProperties" || key === "not") out[key] = strip(value);
    else out[key] = value;
  }
  return out;
};
const schemas = {};
for (const file of readdirSync(dir).sort()) {
  if (!file.endsWith(".json")) continue;
  const doc = JSON.parse(readFileSync(join(dir, file), "utf8"));
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) schemas[name] = strip(schema);
}
const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
const text = JSON.stringify({ version, schemas: sorted });
// mtime 0 in the gzip header, so regenerating an unchanged bundle gives identical bytes.
writeFileSync(out, gzipSync(Buffer.from(text), { level: 9 }));
console.error(`[openapi] ${out}: ${Object.keys(sorted).length} schemas, ${text.length} bytes of JSON`);
