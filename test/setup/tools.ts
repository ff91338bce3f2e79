// Builds (or reuses) the real kustomize and helm before any test runs, and puts them on PATH for the
// test workers. Tests never fall back to a fake renderer: without the tools the run fails here.
import { putToolsOnPath } from "../../scripts/tools-bin.js";

export default function setup(): void {
  putToolsOnPath();
}
