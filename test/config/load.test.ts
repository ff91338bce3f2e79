import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig, parseDuration } from "../../src/config/index.js";
import { ConfigError } from "../../src/errors.js";
import { hostile } from "../helpers/fixtures.js";

type Case =
  | { name: string; yaml: string; valid: true; check?: (c: ReturnType<typeof parseConfig>) => void }
  | { name: string; yaml: string; valid: false; errorContains: string[] };

const cases: Case[] = [
  {
    name: "a minimal environment takes every default",
    yaml: "environments:\n  - name: staging\n    path: deploy/staging\n",
    valid: true,
    check: (c) =>
      expect(c.environments[0]).toEqual({
        name: "staging",
        path: "deploy/staging",
        renderer: "auto",
        helm: { valuesFiles: [] },
        namespace: "default",
        autoSync: true,
        prune: true,
        allowEmpty: false,
        healthTimeout: "5m",
        kubeVersion: "1.36",
        revert: { enabled: true, autoMerge: false },
        drift: { mode: "report", interval: "10m", grace: "5m", ignore: [] },
        freeze: [],
      }),
  },
  {
    name: "helm settings and revert options are kept",
    yaml: `environments:
  - name: monitoring
    path: charts/agent
    renderer: helm
    cluster: prod
    helm: { releaseName: agent, namespace: mon, valuesFiles: [values-prod.yaml, ../shared/values.yaml] }
    revert: { autoMerge: true }
policy:
  rules: { image-tag: error }
`,
    valid: true,
    check: (c) => {
      expect(c.environments[0]!.helm).toEqual({
        releaseName: "agent",
        namespace: "mon",
        valuesFiles: ["values-prod.yaml", "../shared/values.yaml"],
      });
      expect(c.environments[0]!.revert).toEqual({ enabled: true, autoMerge: true });
      expect(c.policy.rules).toEqual({ "image-tag": "error" });
    },
  },
  {
    name: "a misspelled key names its line and suggests the right one",
    yaml: "environments:\n  - name: a\n    path: x\n    autosync: true\n",
    valid: false,
    errorContains: ['.github/capstan.yml:4: environments[0].autosync: unknown key; did you mean "autoSync"?'],
  },
  {
    name: "an unknown renderer lists the allowed ones and the value given",
    yaml: "environments:\n  - name: a\n    path: x\n    renderer: jsonnet\n",
    valid: false,
    errorContains: [
      '.github/capstan.yml:4: environments[0].renderer: must be one of auto, plain, kustomize, helm (got "jsonnet")',
    ],
  },
  {
    name: "a missing path points at the environment",
    yaml: "environments:\n  - name: a\n  - name: b\n    path: y\n",
    valid: false,
    errorContains: [".github/capstan.yml:2: environments[0].path: is required"],
  },
  {
    name: "a path that escapes the repository is refused",
    yaml: "environments:\n  - name: a\n    path: deploy/../../..\n",
    valid: false,
    errorContains: [".github/capstan.yml:3: environments[0].path:", "leaves the repository"],
  },
  {
    name: "an absolute path is refused",
    yaml: "environments:\n  - name: a\n    path: /etc\n",
    valid: false,
    errorContains: ["environments[0].path:", "leaves the repository"],
  },
  {
    name: "values files may not escape through the environment path",
    yaml: "environments:\n  - name: a\n    path: charts/x\n    renderer: helm\n    helm: { valuesFiles: [../../../secrets.yaml] }\n",
    valid: false,
    errorContains: [".github/capstan.yml:5: environments[0].helm.valuesFiles[0]:", "leaves the repository"],
  },
  {
    name: "duplicate environment names are refused",
    yaml: "environments:\n  - name: a\n    path: x\n  - name: a\n    path: y\n",
    valid: false,
    errorContains: [".github/capstan.yml:4: environments[1].name:", "names must be unique"],
  },
  {
    name: "helm settings on a kustomize environment are refused",
    yaml: "environments:\n  - name: a\n    path: x\n    renderer: kustomize\n    helm: { releaseName: r }\n",
    valid: false,
    errorContains: ["environments[0].helm: helm settings need renderer: helm"],
  },
  {
    name: "an unquoted kube version that YAML reads as a number is explained",
    yaml: "environments:\n  - name: a\n    path: x\n    kubeVersion: 1.30\n",
    valid: false,
    errorContains: [".github/capstan.yml:4: environments[0].kubeVersion: must be a string"],
  },
  {
    name: "a bad duration says what a good one looks like",
    yaml: "environments:\n  - name: a\n    path: x\n    healthTimeout: soon\n",
    valid: false,
    errorContains: ["environments[0].healthTimeout: must be a duration such as 90s, 5m or 1h30m"],
  },
  {
    name: "an empty duration is refused at its line, before anything is synced",
    yaml: 'environments:\n  - name: a\n    path: x\n    healthTimeout: ""\n',
    valid: false,
    errorContains: [
      ".github/capstan.yml:4: environments[0].healthTimeout: must be a duration such as 90s, 5m or 1h30m",
    ],
  },
  {
    name: "a duration longer than 24 h is refused (Node's timers overflow and fire at once)",
    yaml: "environments:\n  - name: a\n    path: x\n    healthTimeout: 600h\n",
    valid: false,
    errorContains: [".github/capstan.yml:4: environments[0].healthTimeout: must be at most 24h"],
  },
  {
    name: "a drift interval under 2 minutes",
    yaml: "environments:\n  - name: a\n    path: x\n    drift: {interval: 30s}\n",
    valid: false,
    errorContains: [".github/capstan.yml:4: environments[0].drift.interval: must be at least 2m"],
  },
  {
    name: "a drift ignore rule whose path is no JSON pointer",
    yaml: "environments:\n  - name: a\n    path: x\n    drift:\n      ignore:\n        - paths: [spec.replicas]\n",
    valid: false,
    errorContains: [
      "environments[0].drift.ignore[0].paths[0]: must be a JSON pointer such as /spec/replicas",
    ],
  },
  {
    name: "an unknown drift mode",
    yaml: "environments:\n  - name: a\n    path: x\n    drift: {mode: fix}\n",
    valid: false,
    errorContains: ["environments[0].drift.mode"],
  },
  {
    name: "a zero duration is refused (an immediate timeout would revert a healthy deploy)",
    yaml: "environments:\n  - name: a\n    path: x\n    healthTimeout: 0s\n",
    valid: false,
    errorContains: [".github/capstan.yml:4: environments[0].healthTimeout: must be at least 1s"],
  },
  {
    name: "24 h exactly is the longest duration accepted",
    yaml: "environments:\n  - name: a\n    path: x\n    healthTimeout: 23h60m\n",
    valid: true,
  },
  {
    name: "an environment name that is not a DNS label is refused",
    yaml: "environments:\n  - name: Prod_EU\n    path: x\n",
    valid: false,
    errorContains: ["environments[0].name: must be a lowercase DNS label"],
  },
  { name: "an empty file asks for environments", yaml: "", valid: false, errorContains: ["is empty"] },
  {
    name: "no environments is refused",
    yaml: "environments: []\n",
    valid: false,
    errorContains: ["environments: needs at least one environment"],
  },
  {
    name: "malformed YAML gives the line",
    yaml: "environments:\n  - name: a\n    path: [x\n",
    valid: false,
    errorContains: ["invalid YAML"],
  },
  {
    name: "duplicate keys are refused",
    yaml: "environments:\n  - name: a\n    path: x\n    path: y\n",
    valid: false,
    errorContains: ["invalid YAML", "unique"],
  },
  {
    name: "an alias bomb is refused",
    yaml: `a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\nenvironments: []\n`,
    valid: false,
    errorContains: ["cannot be read"],
  },
];

describe("parseConfig", () => {
  it.each(cases)("$name", (c) => {
    if (c.valid) {
      const config = parseConfig(c.yaml);
      c.check?.(config);
      return;
    }
    const err = catchError(() => parseConfig(c.yaml));
    expect(err).toBeInstanceOf(ConfigError);
    for (const text of c.errorContains) expect(err.message).toContain(text);
  });

  it("reports every problem of the invalid-config fixture with its line, sorted", () => {
    const file = join(hostile("invalid-config"), ".github/capstan.yml");
    const err = catchError(() => parseConfig(readFileSync(file, "utf8")));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => [p.line, p.path])).toEqual([
      [3, "environments[0].path"],
      [7, "environments[0].autosync"],
      [8, "environments[0].healthTimeout"],
    ]);
  });
});

describe("parseDuration", () => {
  it.each([
    ["90s", 90_000],
    ["5m", 300_000],
    ["1h30m", 5_400_000],
    ["2h", 7_200_000],
  ])("%s is %d ms", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each([
    ["", "must be a duration"],
    ["5", "must be a duration"],
    ["m5", "must be a duration"],
    ["1d", "must be a duration"],
    ["0s", "must be at least 1s"],
    ["24h1s", "must be at most 24h"],
    ["600h", "must be at most 24h"],
    ["99999999999999999999h", "must be at most 24h"],
  ])("%j is refused: %s", (text, why) =>
    expect(() => parseDuration(text)).toThrow(`invalid duration "${text}": ${why}`),
  );
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error");
}
