export { configJsonSchema, configJsonSchemaText } from "./json-schema.js";
export { CONFIG_PATH, MAX_CONFIG_BYTES, parseConfig } from "./load.js";
export { repoPath } from "./paths.js";
export {
  type Config,
  type ConfigInput,
  configSchema,
  type Environment,
  environmentSchema,
  type RendererName,
  type Severity,
} from "./schema.js";
export { parseDuration, type SemanticProblem, validateConfig } from "./validate.js";
