import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configJsonSchema, configJsonSchemaText } from "../../src/config/index.js";
import { ROOT } from "../helpers/fixtures.js";

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  default?: unknown;
  description?: string;
  items?: SchemaNode;
  additionalProperties?: unknown;
}

describe("the config JSON schema", () => {
  it("is up to date in src/config/capstan.schema.json (run npm run json-schema)", () => {
    const committed = readFileSync(join(ROOT, "src/config/capstan.schema.json"), "utf8");
    expect(committed).toBe(configJsonSchemaText());
  });

  it("does not require keys that have defaults", () => {
    const env = (configJsonSchema() as SchemaNode).properties!.environments!.items!;
    expect(env.required?.sort()).toEqual(["name", "path"]);
    for (const name of env.required ?? []) expect(env.properties![name]!.default).toBeUndefined();
  });

  it("describes every environment key, for editors", () => {
    const env = (configJsonSchema() as SchemaNode).properties!.environments!.items!;
    const undocumented = Object.entries(env.properties!).filter(([, node]) => !node.description);
    expect(undocumented.map(([key]) => key)).toEqual([]);
  });

  it("refuses unknown keys, as the loader does", () => {
    const env = (configJsonSchema() as SchemaNode).properties!.environments!.items!;
    expect(env.additionalProperties).toBe(false);
  });
});
