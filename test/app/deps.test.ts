import { describe, expect, it } from "vitest";
import { parseServerConfig } from "../../src/config/index.js";
import { createDeps } from "../../src/handlers/deps.js";
import { defaultWorkerPoolOptions } from "../../src/worker-pool.js";

const silent = { info: () => {}, error: () => {} };

describe("the preview workers' budgets", () => {
  it.each([
    ["no server config", undefined, defaultWorkerPoolOptions("the preview")],
    [
      "a server config without previews",
      "clusters: {}\n",
      { ...defaultWorkerPoolOptions("the preview"), timeoutMs: 300_000, maxHeapMb: 1024 },
    ],
    [
      "a server config that sets them",
      "previews:\n  workers: 3\n  timeout: 90s\n  memoryMiB: 512\n",
      { ...defaultWorkerPoolOptions("the preview"), size: 3, timeoutMs: 90_000, maxHeapMb: 512 },
    ],
  ])("come from %s", (_name, text, expected) => {
    const server = text === undefined ? undefined : parseServerConfig(text, "server.yml");
    expect(createDeps(silent, { server }).previews.options).toEqual(expected);
  });
});
