import { describe, expect, it } from "vitest";
import { connectRedis, RedisBudget } from "../../src/github/redis-budget.js";
import { freePort } from "../helpers/github.js";

describe("the shared write budget when Redis is down", () => {
  it("lets writes go on under the replica's own budget, and says so once per outage", async () => {
    // A port nothing listens on: every command is refused.
    const redis = connectRedis(`redis://127.0.0.1:${await freePort()}`);
    redis.on("error", () => {});
    const logged: string[] = [];
    const budget = new RedisBudget(
      redis,
      42,
      { spacingMs: 1000, perHour: 480, reservedForDeploys: 120 },
      {
        info: () => {},
        error: (_o, msg) => logged.push(String(msg)),
      },
    );
    try {
      expect(await budget.take("preview")).toBe(0);
      expect(await budget.take("deploy")).toBe(0);
      expect(logged).toEqual(["Redis is unreachable: GitHub writes use this replica's own budget"]);
    } finally {
      redis.disconnect();
    }
  });
});
