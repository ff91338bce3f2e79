import { readFile } from "node:fs/promises";
import { ManifestError } from "../errors.js";
import { type ParsedDocument, type ParseOptions, parseDocuments } from "../manifests/index.js";
import { formatBytes, type RenderLimits } from "./limits.js";
import { walkTree } from "./tree.js";

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** Documents and notices from a plain directory. */
export interface PlainResult {
  documents: ParsedDocument[];
  notices: string[];
}

/**
 * Reads every `.yaml`, `.yml` and `.json` file below `dir`, recursively and in a stable order. Other
 * files, and YAML that is not a Kubernetes object (values files, kustomizations), get a notice.
 */
export async function renderPlain(
  root: string,
  dir: string,
  limits: RenderLimits,
  parse: ParseOptions,
): Promise<PlainResult> {
  const result: PlainResult = { documents: [], notices: [] };
  for (const file of await walkTree(root, dir, limits)) {
    if (!MANIFEST_FILE.test(file.path)) {
      result.notices.push(`${file.path}: not a .yaml, .yml or .json file; ignored`);
      continue;
    }
    if (file.size > limits.maxFileBytes) {
      throw new ManifestError(
        `file is ${formatBytes(file.size)}, over the ${formatBytes(limits.maxFileBytes)} limit for one manifest file`,
        { file: file.path, line: 1 },
      );
    }
    const parsed = parseDocuments(await readFile(file.absolute, "utf8"), file.path, parse);
    for (const doc of parsed.documents) {
      if (doc.object.apiVersion.startsWith("kustomize.config.k8s.io/")) {
        result.notices.push(
          `${file.path}: a kustomization in a plain directory; ignored (use renderer: kustomize)`,
        );
      } else {
        result.documents.push(doc);
      }
    }
    result.notices.push(...parsed.notices);
  }
  return result;
}
