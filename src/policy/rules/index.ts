import type { Rule } from "../types.js";
import { clusterAdmin } from "./cluster-admin.js";
import { deprecatedApi } from "./deprecated-api.js";
import { hostNamespaces } from "./host-namespaces.js";
import { imageTag } from "./image-tag.js";
import { minReplicas } from "./min-replicas.js";
import { namespaces } from "./namespaces.js";
import { plainSecret } from "./plain-secret.js";
import { privileged } from "./privileged.js";
import { requiredLabels } from "./required-labels.js";
import { resources } from "./resources.js";
import { runAsNonRoot } from "./run-as-non-root.js";
import { schema } from "./schema.js";

/** Every built-in rule, in the order findings are reported. */
export const RULES: readonly Rule[] = [
  schema,
  deprecatedApi,
  imageTag,
  privileged,
  hostNamespaces,
  clusterAdmin,
  namespaces,
  runAsNonRoot,
  resources,
  plainSecret,
  requiredLabels,
  minReplicas,
];
