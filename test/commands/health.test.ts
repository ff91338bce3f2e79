import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { health } from "../../src/commands/health.js";
import { UsageError } from "../../src/errors.js";
import { cli } from "../helpers/cli.js";
import { ROOT } from "../helpers/fixtures.js";

const fixture = (name: string) => join(ROOT, "fixtures/health", `${name}.yaml`);

describe("capstan health", () => {
  it("prints one line per object and the worst verdict, from several documents", async () => {
    const text = ["deployment-healthy", "deployment-progress-deadline-exceeded", "pvc-pending"]
      .map((f) => readFileSync(fixture(f), "utf8"))
      .join("---\n");
    const result = await health({ file: "-", format: "text" }, async () => text);
    const lines = result.output.trim().split("\n");
    expect(lines[0]).toBe("Deployment cap/healthy: Healthy");
    expect(lines[1]).toMatch(/^Deployment cap\/crashy: Degraded \(Deployment exceeded its progress deadline/);
    expect(lines[2]).toMatch(/^PersistentVolumeClaim cap\/data: Progressing/);
    expect(lines.at(-1)).toBe("Degraded");
    expect(result.exitCode).toBe(1);
  });

  it("prints JSON, flattening a List and skipping kinds without health", async () => {
    const list = {
      apiVersion: "v1",
      kind: "List",
      items: [
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "a" } },
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "s", namespace: "a" },
          spec: { type: "ClusterIP" },
        },
      ],
    };
    const result = await health({ file: "-", format: "json" }, async () => JSON.stringify(list));
    expect(JSON.parse(result.output)).toEqual({
      objects: [{ kind: "Service", namespace: "a", name: "s", status: "Healthy", message: "" }],
      status: "Healthy",
    });
    expect(result.exitCode).toBe(0);
  });

  it("refuses malformed input with a usage error", async () => {
    await expect(health({ file: "-", format: "text" }, async () => "a: [")).rejects.toThrow(UsageError);
  });

  it.each([
    [["health", "-f", fixture("job-complete")], 0, "Job cap/once: Healthy"],
    [["health", "-f", fixture("pod-crashloop")], 1, "Degraded"],
    [["health"], 2, "give either -f FILE (- for stdin) or --env NAME"],
    [["health", "-f", "/nonexistent.yaml"], 2, "cannot read /nonexistent.yaml (ENOENT)"],
  ])("%j exits %d", async (args, code, text) => {
    const r = await cli(...args);
    expect(r.code).toBe(code);
    expect(r.stdout + r.stderr).toContain(text);
  });
});
