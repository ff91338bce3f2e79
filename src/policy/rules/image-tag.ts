import type { Rule } from "../types.js";
import { containerName, locatedContainers } from "../workloads.js";

/** Images without a tag, or on `:latest`, change under you without a commit. */
export const imageTag: Rule = {
  id: "image-tag",
  defaultSeverity: "error",
  rationale:
    "An image without a tag or on :latest can change without a commit, so Git no longer says what runs.",
  hint: "Pin a version tag (nginx:1.27.3) or a digest (nginx@sha256:…).",
  check(object) {
    return locatedContainers(object).flatMap((c) => {
      const image = c.container.image;
      if (typeof image !== "string" || image.includes("@")) return [];
      const lastSlash = image.lastIndexOf("/");
      const colon = image.lastIndexOf(":");
      const tag = colon > lastSlash ? image.slice(colon + 1) : "";
      if (tag !== "" && tag !== "latest") return [];
      const why = tag === "" ? "has no tag" : "uses the :latest tag";
      return [
        { message: `container ${containerName(c)}: image ${image} ${why}`, path: [...c.path, "image"] },
      ];
    });
  },
};
