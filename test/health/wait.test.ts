// The health wait's guards (src/cluster/wait.ts). They live here rather than in test/cluster because they
// are about what a malformed object or a broken health rule does to a wait; the apiserver is nock.
import { KubeConfig } from "@kubernetes/client-node";
import nock from "nock";
import { afterEach, describe, expect, it, vi } from "vitest";
import { clientFor } from "../../src/cluster/index.js";
import { applyWatchEvent, judgeWait, waitForHealth } from "../../src/cluster/wait.js";
import type { environmentHealth, LiveObject } from "../../src/health/index.js";
import type { Manifest, ObjectRef } from "../../src/manifests/index.js";

// Lets a test make the verdict function itself throw, as a bug in it would, inside the real wait.
const fault = vi.hoisted(() => ({ judge: false }));
vi.mock(import("../../src/health/index.js"), async (importOriginal) => {
  const actual = await importOriginal();
  return {
    ...actual,
    environmentHealth: (...args: Parameters<typeof actual.environmentHealth>) => {
      if (fault.judge) throw new Error("a bug in a health rule");
      return actual.environmentHealth(...args);
    },
  };
});

afterEach(() => {
  fault.judge = false;
});

const ref: ObjectRef = {
  group: "autoscaling",
  kind: "HorizontalPodAutoscaler",
  namespace: "shop",
  name: "web",
};
const key = "autoscaling/HorizontalPodAutoscaler/shop/web";
const hpa = (status: unknown): LiveObject =>
  ({
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web", namespace: "shop" },
    status,
  }) as LiveObject;
const ableToScale = { conditions: [{ type: "AbleToScale", status: "True", reason: "ReadyForNewScale" }] };

describe("judgeWait", () => {
  it.each<[string, LiveObject, typeof environmentHealth | undefined, string, boolean]>([
    ["an HPA with conditions: [null]", hpa({ conditions: [null] }), undefined, "Progressing", false],
    ["an HPA whose status is a string", hpa("Running"), undefined, "Progressing", false],
    ["an HPA that can scale", hpa(ableToScale), undefined, "Healthy", false],
    [
      "a judge that throws: every object Unknown, and the reason",
      hpa(ableToScale),
      () => {
        throw new TypeError("Cannot read properties of null (reading 'type')");
      },
      "Unknown",
      true,
    ],
  ])("%s → %s", (_name, object, judge, status, failed) => {
    const judged = judgeWait([ref], new Map([[key, object]]), {}, judge);
    expect(judged.health.status).toBe(status);
    expect(judged.health.objects.map((o) => o.status)).toEqual([status]);
    if (failed) expect(judged.error).toMatch(/health could not be judged: Cannot read properties of null/);
    else expect(judged.error).toBeUndefined();
  });
});

describe("applyWatchEvent", () => {
  const keyOf = (o: LiveObject) => `autoscaling/HorizontalPodAutoscaler/shop/${String(o.metadata?.name)}`;
  it.each<[string, string, unknown, boolean, boolean]>([
    ["an ADDED object the wait follows is kept", "ADDED", hpa(ableToScale), true, true],
    ["a DELETED object the wait follows is dropped", "DELETED", hpa(ableToScale), true, false],
    ["a bookmark changes nothing", "BOOKMARK", { metadata: { resourceVersion: "9" } }, false, true],
    ["an ERROR event changes nothing", "ERROR", { kind: "Status", code: 410 }, false, true],
    [
      "an object the wait does not follow is ignored",
      "MODIFIED",
      { metadata: { name: "other" } },
      false,
      true,
    ],
    ["a null object is ignored", "MODIFIED", null, false, true],
    ["an object that is a string is ignored", "MODIFIED", "web", false, true],
    ["an object that is a list is ignored", "MODIFIED", [hpa(ableToScale)], false, true],
  ])("%s", (_name, phase, object, changed, kept) => {
    const live = new Map([[key, hpa({})]]);
    expect(applyWatchEvent(live, new Set([key]), keyOf, phase, object)).toBe(changed);
    expect(live.has(key)).toBe(kept);
  });
});

// A plain-HTTP apiserver that nock answers: discovery, a list, and a watch whose stream is `events`.
function apiserver(listed: unknown[], events: unknown[]) {
  const server = "http://apiserver.test";
  const path = "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers";
  nock(server)
    .persist()
    .get("/apis/autoscaling/v2")
    .reply(200, {
      kind: "APIResourceList",
      groupVersion: "autoscaling/v2",
      resources: [
        {
          name: "horizontalpodautoscalers",
          namespaced: true,
          kind: "HorizontalPodAutoscaler",
          verbs: ["list"],
        },
      ],
    })
    .get(path)
    .query((q) => q.watch !== "true")
    .reply(200, { kind: "HorizontalPodAutoscalerList", metadata: { resourceVersion: "1" }, items: listed })
    .get(path)
    .query((q) => q.watch === "true")
    .reply(200, events.map((e) => JSON.stringify(e)).join("\n"));
  const config = new KubeConfig();
  config.loadFromOptions({
    // client-node refuses plain HTTP unless TLS checks are off; there is no TLS to check here.
    clusters: [{ name: "test", server, skipTLSVerify: true }],
    users: [{ name: "test", token: "t" }],
    contexts: [{ name: "test", cluster: "test", user: "test", namespace: "shop" }],
    currentContext: "test",
  });
  return clientFor("test", config);
}

const desired: Manifest = {
  ref,
  object: {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web", namespace: "shop" },
  },
  source: { file: "shop/hpa.yaml", line: 1 },
};

describe("waitForHealth with malformed objects and a broken judge", () => {
  it("reads past malformed list items and watch events, and ends when the object turns Healthy", async () => {
    const cluster = apiserver(
      [null, "garbage", hpa({ conditions: [null] })],
      [
        { type: "MODIFIED", object: null },
        { type: "MODIFIED", object: "garbage" },
        { type: "MODIFIED", object: hpa("Running") },
        { type: "MODIFIED", object: hpa({ conditions: [{ type: { toString: 1 } }] }) },
        { type: "MODIFIED", object: hpa(ableToScale) },
      ],
    );
    const result = await waitForHealth(cluster, [desired], { timeoutMs: 5_000, retryMs: 50 });
    expect(result).toMatchObject({ status: "Healthy", timedOut: false });
    expect(result.lastError).toBeUndefined();
  });

  it("turns a judge that throws into Unknown verdicts and lastError, and still ends at its timeout", async () => {
    fault.judge = true;
    const cluster = apiserver([hpa(ableToScale)], []);
    const result = await waitForHealth(cluster, [desired], { timeoutMs: 300, retryMs: 50 });
    expect(result).toMatchObject({
      status: "Unknown",
      timedOut: true,
      objects: [{ ref, status: "Unknown" }],
      lastError: "health could not be judged: a bug in a health rule",
    });
  });
});
