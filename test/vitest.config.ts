import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const TIMED = "test/app/hostile-previews.test.ts";

export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  test: {
    testTimeout: 30_000,
    // Renderers and the control plane are real processes on a 2-core machine; two workers keep them from
    // starving each other.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**", TIMED],
          globalSetup: ["test/setup/tools.ts", "test/setup/build.ts"],
          setupFiles: ["test/setup/nock.ts"],
        },
      },
      {
        extends: true,
        test: {
          // Tests that time the server (/ping while hostile previews run) run after the others, alone:
          // on 2 cores, another test file's renderers and control plane would be what they measure.
          name: "timing",
          include: [TIMED],
          globalSetup: ["test/setup/tools.ts"],
          setupFiles: ["test/setup/nock.ts"],
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          // Against the real control plane from scripts/cluster (see test/setup/cluster.ts).
          globalSetup: ["test/setup/tools.ts", "test/setup/cluster.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
