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
      // Only a real digest pins an image; `nginx@latest` is not one.
      if (typeof image !== "string" || /@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/.test(image))
        return [];
      const name = image.includes("@") ? image.slice(0, image.indexOf("@")) : image;
      const lastSlash = name.lastIndexOf("/");
      const colon = name.lastIndexOf(":");
      const tag = colon > lastSlash ? name.slice(colon + 1) : "";
      if (tag !== "" && tag !== "latest") return [];
      const why = image.includes("@")
        ? "has a malformed digest"
        : tag === ""
          ? "has no tag"
          : "uses the :latest tag";
      return [
        { message: `container ${containerName(c)}: image ${image} ${why}`, path: [...c.path, "image"] },
      ];
    });
  },
};
