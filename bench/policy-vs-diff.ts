// Capstan's policy checks over a 10,000-object render against the object diff of the same render with
// its base, both on objects parsed once beforehand. Every rule runs, schema validation included, and the
// synthetic objects break some rules (plain Secrets, no runAsNonRoot), so about half of them get a finding
// whose line is located. Goal: well under the diff.
import { configSchema } from "../src/config/index.js";
import { diffManifests } from "../src/diff/index.js";
import { buildObjectSet, parseDocuments } from "../src/manifests/index.js";
import { resolvePolicy, runPolicy } from "../src/policy/index.js";
import { compare } from "./harness.js";
import { syntheticRenders } from "./synthetic.js";

const { base, head } = syntheticRenders({ objects: 10_000, changed: 0.1, churn: 0.01 });
const load = (text: string) => buildObjectSet(parseDocuments(text, "render.yaml").documents, "default");
const baseObjects = load(base);
const headObjects = load(head);
const config = configSchema.parse({
  environments: [
    {
      name: "bench",
      path: ".",
      namespace: "default",
      policy: { namespaces: Array.from({ length: 25 }, (_, i) => `team-${i}`) },
    },
  ],
});
const policy = resolvePolicy(config, config.environments[0]!);
let findings = 0;

await compare(
  "policy checks vs object diff, 10,000 parsed objects",
  {
    name: "capstan policy (12 rules)",
    run: () => {
      findings = runPolicy(headObjects, policy).findings.length;
    },
  },
  {
    name: "capstan diff (same objects)",
    run: () => {
      diffManifests(baseObjects, headObjects);
    },
  },
);
console.log(`  (policy found ${findings} findings)`);
