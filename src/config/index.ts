export {
  type FreezeWindow,
  freezeSchema,
  freezeWindowSchema,
  isTimeZone,
  type LocalDateTime,
  parseLocalDateTime,
  parseWeekdayTime,
} from "./freeze-schema.js";
export { matchesAny, matchesGlob } from "./glob.js";
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
  branchMayDeploy,
  branchRefusal,
  checkClusterAccess,
  clusterSchema,
  DEFAULT_CLUSTER_SCOPED,
  fullName,
  grantsFor,
  parseServerConfig,
  type Reach,
  type RepositoryIdentity,
  readServerConfig,
  type ServerConfig,
  serverConfigSchema,
  unpinnedEntries,
} from "./server.js";
export { MAX_DURATION_MS, parseDuration, validateConfig } from "./validate.js";
export { parseYamlConfig, type SemanticProblem, type YamlConfigOptions } from "./yaml-config.js";
