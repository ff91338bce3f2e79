import { describe, expect, it } from "vitest";
import { type DriftFinding, type DriftState, findingsHash, nextDriftState } from "../../src/drift/index.js";

const ref = { group: "", kind: "ConfigMap", namespace: "shop", name: "settings" };
const missing: DriftFinding[] = [{ change: "missing", ref }];
const modified: DriftFinding[] = [
  {
    change: "modified",
    ref,
    fields: [{ path: "data.mode", writer: { manager: "kubectl-edit", operation: "Update" } }],
  },
];
const additionsOnly: DriftFinding[] = [
  {
    change: "foreign-additions",
    ref,
    fields: [{ path: "data.extra", writer: { manager: "kubectl-edit", operation: "Update" } }],
  },
];
const GRACE = 5 * 60_000;
const at = (minutes: number) => new Date(Date.UTC(2026, 11, 1, 14, minutes));
const since = at(0).toISOString();

describe("drift state", () => {
  it.each<[string, DriftState, DriftFinding[], number, string, DriftState]>([
    ["nothing, nothing before", {}, [], 0, "none", {}],
    [
      "a first finding: suspected, not reported",
      {},
      missing,
      0,
      "suspected",
      { since, hash: findingsHash(missing) },
    ],
    [
      "found again within the grace",
      { since, hash: findingsHash(missing) },
      missing,
      3,
      "none",
      { since, hash: findingsHash(missing) },
    ],
    [
      "found again after the grace: confirmed",
      { since, hash: findingsHash(missing) },
      missing,
      5,
      "appeared",
      { since, hash: findingsHash(missing), confirmed: true },
    ],
    [
      "confirmed and the same: nothing to write",
      { since, hash: findingsHash(missing), confirmed: true, issue: 7 },
      missing,
      20,
      "none",
      { since, hash: findingsHash(missing), confirmed: true, issue: 7 },
    ],
    [
      "confirmed and different",
      { since, hash: findingsHash(missing), confirmed: true, issue: 7 },
      modified,
      20,
      "changed",
      { since, hash: findingsHash(modified), confirmed: true, issue: 7 },
    ],
    [
      "confirmed, then gone",
      { since, hash: "h", confirmed: true, issue: 7 },
      [],
      30,
      "resolved",
      { issue: 7 },
    ],
    ["suspected, then gone: never reported", { since, hash: "h" }, [], 2, "none", {}],
    ["foreign additions alone are not drift", {}, additionsOnly, 0, "none", {}],
  ])("%s", (_name, previous, findings, minute, edge, state) => {
    expect(nextDriftState(previous, findings, at(minute), GRACE)).toEqual({ edge, state });
  });

  it("hashes findings whatever their order", () => {
    expect(findingsHash([...missing, ...modified])).toBe(findingsHash([...modified, ...missing]));
    expect(findingsHash(missing)).not.toBe(findingsHash(modified));
  });
});
