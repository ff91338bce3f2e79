import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/tools.ts"],
    testTimeout: 30_000,
    // Renderer runs are real processes on a 2-core machine; two workers keep them from starving.
    maxWorkers: 2,
  },
});
