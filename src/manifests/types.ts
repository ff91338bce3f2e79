import type { SourcePosition } from "../errors.js";
import type { ObjectRef } from "./ref.js";

/** A Kubernetes object as plain data, straight from YAML or JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  [field: string]: unknown;
}

/** The part of `metadata` Capstan reads. Other fields pass through untouched. */
export interface KubeMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/**
 * The YAML text an object was parsed from, kept so that a finding can later point at the line of one
 * field (see `locateField`) without every parse paying for positions.
 */
export interface DocumentOrigin {
  /** The document's text (a slice of the file or the rendered stream). */
  text: string;
  /** 1-based line of the text's first line in its file. */
  line: number;
  /** Where the object sits inside the document: `[]`, or `["items", 3]` for an item of a List. */
  prefix: Array<string | number>;
  /**
   * One object per document, shared by all of a List's items, so the document is parsed for positions
   * once however many items have findings (absent for a document that is one object).
   */
  shared?: object;
}

/** A parsed object with its identity and where it came from. */
export interface Manifest {
  ref: ObjectRef;
  object: KubeObject;
  origin?: DocumentOrigin;
  /**
   * The file and line of the document. For kustomize and helm output this is the rendered stream
   * (`<env path> (kustomize build)`) unless the renderer names the template it came from.
   */
  source: SourcePosition;
}

/** A document read from a file before identity is assigned. */
export interface ParsedDocument {
  object: KubeObject;
  source: SourcePosition;
  origin?: DocumentOrigin;
}
