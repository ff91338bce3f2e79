import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DiffJson, diff } from "../../src/commands/diff.js";
import { cli } from "../helpers/cli.js";
import { fixtureRepo, fixtureSecretValues, gitRepoFrom, hostile, tempDir } from "../helpers/fixtures.js";

const SHOP_DIRS = ["--base-dir", fixtureRepo("shop", "base"), "--head-dir", fixtureRepo("shop", "head")];

// What fixtures/repos/shop/CHANGES.md says the PR changes, environment by environment.
const SHOP_CHANGES: DiffJson = {
  environments: [
    {
      name: "staging",
      changes: [
        {
          action: "added",
          apiVersion: "v1",
          kind: "ConfigMap",
          namespace: "shop-staging",
          name: "feature-flags",
        },
        {
          action: "changed",
          apiVersion: "apps/v1",
          kind: "Deployment",
          namespace: "shop-staging",
          name: "api",
        },
        {
          action: "changed",
          apiVersion: "v1",
          kind: "Secret",
          namespace: "shop-staging",
          name: "api-credentials",
        },
      ],
      unchanged: 2,
    },
    {
      name: "production",
      changes: [
        { action: "changed", apiVersion: "v1", kind: "Secret", namespace: "shop", name: "api-credentials" },
      ],
      unchanged: 4,
    },
    {
      name: "monitoring",
      changes: [
        {
          action: "changed",
          apiVersion: "apps/v1",
          kind: "DaemonSet",
          namespace: "monitoring",
          name: "metrics-agent",
        },
      ],
      unchanged: 2,
    },
    {
      name: "platform",
      changes: [
        { action: "removed", apiVersion: "v1", kind: "Namespace", namespace: null, name: "platform-sandbox" },
        {
          action: "changed",
          apiVersion: "v1",
          kind: "ResourceQuota",
          namespace: "platform",
          name: "platform-quota",
        },
      ],
      unchanged: 5,
    },
  ],
};

describe("capstan diff", () => {
  let repo: { dir: string; remove: () => void };
  beforeAll(() => {
    repo = gitRepoFrom("shop");
  });
  afterAll(() => repo.remove());

  it("diffs two refs of a git repository, every environment, as JSON", async () => {
    const result = await diff({
      repo: { dir: repo.dir, base: "main", head: "feature" },
      environments: [],
      format: "json",
    });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.output)).toEqual(SHOP_CHANGES);
  });

  it("gives the same answer from two directories", async () => {
    const result = await diff({
      dirs: { base: fixtureRepo("shop", "base"), head: fixtureRepo("shop", "head") },
      environments: [],
      format: "json",
    });
    expect(JSON.parse(result.output)).toEqual(SHOP_CHANGES);
  });

  it("previews only the environments asked for", async () => {
    const result = await diff({
      repo: { dir: repo.dir, base: "main", head: "feature" },
      environments: ["monitoring"],
      format: "json",
    });
    expect((JSON.parse(result.output) as DiffJson).environments.map((e) => e.name)).toEqual(["monitoring"]);
  });

  it("prints markdown that never holds a Secret value", async () => {
    const result = await diff({
      repo: { dir: repo.dir, base: "main", head: "feature" },
      environments: [],
      format: "markdown",
    });
    expect(result.output).toContain("| `staging` | kustomize | +1 | ~2 | −0 | 2 | ⚠️ 2 warnings |");
    expect(result.output).toContain("ghcr.io/acme/shop-api:1.4.0 → 1.5.0");
    expect(result.output).toContain("-  DATABASE_PASSWORD: '*** (before)'");
    expect(result.output).toContain("+  REDIS_PASSWORD: '***'");
    for (const value of fixtureSecretValues()) {
      expect(result.output).not.toContain(value);
    }
  });

  it("says where a freeze holds merges, naming when it ends and who set it", async () => {
    const { dir, remove } = tempDir();
    try {
      cpSync(fixtureRepo("shop", "head"), join(dir, "head"), { recursive: true });
      const config = join(dir, "head/.github/capstan.yml");
      writeFileSync(
        config,
        `${readFileSync(config, "utf8")}freeze:\n  - name: forever\n    dates: {from: "2000-01-01", until: "2999-01-01"}\n    timeZone: Europe/Berlin\n`,
      );
      const result = await diff({
        dirs: { base: fixtureRepo("shop", "base"), head: join(dir, "head") },
        environments: [],
        format: "markdown",
      });
      expect(result.output).toContain(
        "> ⚠️ A deploy freeze is on: merging does not deploy staging until 2999-01-01 00:00 Europe/Berlin (forever, set in .github/capstan.yml). Capstan deploys the branch head then; its automatic reverts still deploy during the freeze.",
      );
      expect(result.output.match(/A deploy freeze is on/g)).toHaveLength(4);
    } finally {
      remove();
    }
  });

  it("renders a new environment's base as empty", async () => {
    const { dir, remove } = tempDir();
    try {
      cpSync(fixtureRepo("shop", "base"), join(dir, "base"), { recursive: true });
      cpSync(fixtureRepo("shop", "base"), join(dir, "head"), { recursive: true });
      writeFileSync(
        join(dir, "head/.github/capstan.yml"),
        "environments:\n  - name: platform-two\n    path: platform\n    namespace: platform\n",
      );
      const result = await diff({
        dirs: { base: join(dir, "base"), head: join(dir, "head") },
        environments: [],
        format: "json",
      });
      const [env] = (JSON.parse(result.output) as DiffJson).environments;
      expect(env!.changes.every((c) => c.action === "added")).toBe(true);
      expect(env!.changes).toHaveLength(7);
    } finally {
      remove();
    }
  });

  // Exit codes come from the real entry point, built once by test/setup/build.ts.
  describe("exit codes", () => {
    it("0 on success", async () => {
      const r = await cli("diff", ...SHOP_DIRS, "--env", "platform");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("− Namespace/platform-sandbox");
    });

    it("2 on a usage error, with the message on stderr", async () => {
      const r = await cli("diff", "--repo", repo.dir);
      expect(r).toMatchObject({ code: 2, stdout: "" });
      expect(r.stderr).toContain("capstan: --repo, --base and --head go together");
    });

    it("2 on an invalid config, naming file, line and key", async () => {
      const dir = hostile("invalid-config");
      const r = await cli("diff", "--base-dir", dir, "--head-dir", dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(".github/capstan.yml:7: environments[0].autosync: unknown key");
    });

    it("2 on an unknown environment", async () => {
      const r = await cli("diff", ...SHOP_DIRS, "--env", "qa");
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        'no environment named "qa" in the config (it has: staging, production, monitoring, platform)',
      );
    });

    it("2 on a ref that is not a commit", async () => {
      const r = await cli("diff", "--repo", repo.dir, "--base", "main", "--head", "no-such-branch");
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('"no-such-branch" is not a commit');
    });

    it("1 when an environment cannot be rendered, still reporting it", async () => {
      const dir = hostile("helm-fails");
      const r = await cli("diff", "--base-dir", dir, "--head-dir", dir, "--format", "json");
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).environments[0].error).toContain("image.tag is required");
    });
  });
});
