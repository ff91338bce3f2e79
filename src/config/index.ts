export { configJsonSchema, configJsonSchemaText } from "./json-schema.js";
export { CONFIG_PATH, MAX_CONFIG_BYTES, parseConfig } from "./load.js";
export { repoPath } from "./paths.js";
export { readConfigFile } from "./read-file.js";
export {
  type Config,
  type ConfigInput,
  configSchema,
  type Environment,
  environmentSchema,
  type RendererName,
  type Severity,
} from "./schema.js";
export {
  allowedClusters,
  checkClusterAccess,
  clusterSchema,
  parseServerConfig,
  readServerConfig,
  type ServerConfig,
  serverConfigSchema,
} from "./server.js";
export { parseDuration, validateConfig } from "./validate.js";
export { parseYamlConfig, type SemanticProblem, type YamlConfigOptions } from "./yaml-config.js";
