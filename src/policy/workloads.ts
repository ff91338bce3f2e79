import { type Container, isRecord, type KubeObject, podSpecOf } from "../manifests/index.js";

/** A container of a workload with the path of its fields inside the object. */
export interface LocatedContainer {
  container: Container;
  path: Array<string | number>;
}

/** The path of the pod spec inside a workload, matching `podSpecOf`. */
export function podSpecPath(object: KubeObject): Array<string | number> {
  switch (object.kind) {
    case "Pod":
      return ["spec"];
    case "CronJob":
      return ["spec", "jobTemplate", "spec", "template", "spec"];
    default:
      return ["spec", "template", "spec"];
  }
}

/** Every container of a workload (init, regular, ephemeral) with its path, or none for other kinds. */
export function locatedContainers(object: KubeObject): LocatedContainer[] {
  const podSpec = podSpecOf(object);
  if (!podSpec) return [];
  const base = podSpecPath(object);
  const out: LocatedContainer[] = [];
  for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
    const list = podSpec[field];
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      if (isRecord(c)) out.push({ container: c as Container, path: [...base, field, i] });
    });
  }
  return out;
}

/** A container's name for messages. */
export function containerName(c: LocatedContainer): string {
  return typeof c.container.name === "string" ? c.container.name : `#${String(c.path.at(-1))}`;
}
