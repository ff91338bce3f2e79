import { z } from "zod";
import { configSchema } from "./schema.js";

/**
 * The JSON schema of `.github/capstan.yml`, for editors (`# yaml-language-server: $schema=…`). It
 * describes the input a user writes, so keys with defaults are optional.
 */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
}

/** The schema as written to `src/config/capstan.schema.json`. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
