import { isSecret } from "../../manifests/index.js";
import type { Rule } from "../types.js";

/** A plain Secret in Git is readable by everyone who can read the repository, forever (history keeps it). */
export const plainSecret: Rule = {
  id: "plain-secret",
  defaultSeverity: "warning",
  rationale:
    "A Secret committed to Git is readable by everyone with access to the repository, and history keeps it.",
  hint: "Commit it encrypted (SOPS, SealedSecrets) or sync it from a secret store (External Secrets); set this rule to off where plain Secrets are accepted.",
  check(object) {
    return isSecret(object)
      ? [{ message: "a plain Secret is committed to the repository", path: ["kind"] }]
      : [];
  },
};
