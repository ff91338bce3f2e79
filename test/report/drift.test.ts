import { describe, expect, it } from "vitest";
import type { DriftFinding } from "../../src/drift/index.js";
import {
  driftComment,
  driftIssueBody,
  driftIssueTitle,
  driftMarker,
  parseDriftMarker,
} from "../../src/report/drift.js";

const web = { group: "apps", kind: "Deployment", namespace: "shop", name: "web" };
const settings = { group: "", kind: "ConfigMap", namespace: "shop", name: "settings" };
const findings: DriftFinding[] = [
  { change: "missing", ref: settings },
  {
    change: "modified",
    ref: web,
    fields: [
      {
        path: "spec.template.spec.containers[name=web].image",
        writer: { manager: "kubectl-set", operation: "Update", time: "2026-12-01T14:08:31Z" },
      },
    ],
  },
];
const report = {
  environment: "production",
  cluster: "eu-1",
  revision: "0123456789abcdef0123456789abcdef01234567",
  since: "2026-12-01T14:09:00Z",
  findings,
  hash: "feedface",
};

describe("the drift issue", () => {
  it("is titled by environment and cluster, and found again by its marker", () => {
    expect(driftIssueTitle("production", "eu-1")).toBe("Drift: production (eu-1)");
    expect(parseDriftMarker(`text\n${driftMarker("production", "eu-1", "feedface")}\nmore`)).toEqual({
      environment: "production",
      cluster: "eu-1",
      hash: "feedface",
    });
    expect(parseDriftMarker("no marker")).toBeUndefined();
  });

  it("lists each object with its change, fields and last writer, and says writers are tools", () => {
    const body = driftIssueBody(report);
    expect(body.split("\n")[0]).toBe("<!-- capstan:drift env=production cluster=eu-1 hash=feedface -->");
    expect(body).toContain("| `ConfigMap/shop/settings` | deleted live |  |  |");
    expect(body).toContain(
      "| `Deployment/shop/web` | changed live | `spec.template.spec.containers[name=web].image` | `kubectl-set (Update) 14:08Z` |",
    );
    expect(body).toContain("not people");
  });

  it("shows each changed object's fields as a collapsible diff: the revision's value, then the live one", () => {
    const edited: DriftFinding[] = [
      {
        change: "modified",
        ref: web,
        fields: [
          {
            path: "spec.template.spec.containers[name=web].image",
            live: "nginx:9.9",
            revision: "nginx:1.27",
          },
          {
            path: "spec.template.spec.containers[name=web].env[name=DEBUG]",
            live: '{"name":"DEBUG","value":"1"}',
          },
        ],
      },
    ];
    const body = driftIssueBody({ ...report, findings: edited });
    expect(body).toContain(
      [
        "<details><summary>Deployment/shop/web: 2 fields</summary>",
        "",
        "```diff",
        "@@ spec.template.spec.containers[name=web].image",
        "- nginx:1.27",
        "+ nginx:9.9",
        "@@ spec.template.spec.containers[name=web].env[name=DEBUG]",
        '+ {"name":"DEBUG","value":"1"}',
        "```",
        "",
        "</details>",
      ].join("\n"),
    );
    expect(body).toContain("`-` is the synced revision, `+` is live");
  });

  it("keeps a value that holds a fence or markup inside its block", () => {
    const hostile: DriftFinding[] = [
      {
        change: "modified",
        ref: { ...web, name: "<b>x</b>" },
        fields: [{ path: "data.x", live: "```\n<img>" }],
      },
    ];
    const body = driftIssueBody({ ...report, findings: hostile });
    expect(body).toContain("<summary>Deployment/shop/&lt;b&gt;x&lt;/b&gt;: 1 field</summary>");
    expect(body).toContain("````diff");
  });

  it("stays within GitHub's limit for an issue body however many objects drifted", () => {
    const many: DriftFinding[] = Array.from({ length: 5000 }, (_, i) => ({
      change: "missing",
      ref: { ...settings, name: `settings-${i}-${"x".repeat(40)}` },
    }));
    const body = driftIssueBody({ ...report, findings: many });
    expect(body.length).toBeLessThan(65_536);
    expect(body).toMatch(/\| … \| \| \d+ more objects \| \|/);
  });

  it.each([
    ["appeared", "Drift found: 2 objects of `production` differ from `0123456789ab`."],
    ["changed", "The drift changed: 2 objects now differ. The table above is current."],
    ["resolved", "Resolved: the live objects match `0123456789ab` again (healed)."],
    ["none", undefined],
    ["suspected", undefined],
  ] as const)("comments on the edge %s", (edge, text) => {
    expect(driftComment(edge, report, "healed")).toBe(text);
  });
});
