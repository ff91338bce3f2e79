import { describe, expect, it } from "vitest";
import {
  allowedClusters,
  checkClusterAccess,
  configSchema,
  parseServerConfig,
} from "../../src/config/index.js";
import { ConfigError } from "../../src/errors.js";

const SERVER = `clusters:
  staging:
    kubeconfig: /etc/capstan/staging.kubeconfig
  production:
    kubeconfig: /etc/capstan/production.kubeconfig
    context: prod-admin
  local:
    inCluster: true
repositories:
  acme/shop:
    clusters: [staging, production]
  acme/*:
    clusters: [staging]
`;

describe("the server config", () => {
  it("maps cluster names to credentials and repositories to the clusters they may use", () => {
    const server = parseServerConfig(SERVER, "capstan-server.yml");
    expect(server.clusters.production).toEqual({
      kubeconfig: "/etc/capstan/production.kubeconfig",
      context: "prod-admin",
    });
    expect(server.clusters.local).toEqual({ inCluster: true });
    expect([...allowedClusters(server, "acme/shop")].sort()).toEqual(["production", "staging"]);
    expect([...allowedClusters(server, "acme/blog")]).toEqual(["staging"]);
    expect([...allowedClusters(server, "other/shop")]).toEqual([]);
  });

  it.each([
    [
      "a repository allowed an undefined cluster",
      `${SERVER}  acme/blog:\n    clusters: [qa]\n`,
      'capstan-server.yml:15: repositories.acme/blog.clusters[0]: cluster "qa" is not defined under clusters',
    ],
    [
      "a cluster with neither kubeconfig nor inCluster",
      "clusters:\n  x:\n    context: a\n",
      "capstan-server.yml:2: clusters.x: must have kubeconfig (and optionally context), or inCluster: true",
    ],
    [
      "a repository key that is not owner/repo",
      "repositories:\n  shop:\n    clusters: []\n",
      "capstan-server.yml:2: repositories.shop: must be owner/repo or owner/*",
    ],
  ])("refuses %s, naming the line", (_name, text, message) => {
    expect(() => parseServerConfig(text, "capstan-server.yml")).toThrow(ConfigError);
    expect(() => parseServerConfig(text, "capstan-server.yml")).toThrow(message);
  });

  it("names each environment that asks for a cluster the repository may not use", () => {
    const server = parseServerConfig(SERVER, "capstan-server.yml");
    const config = configSchema.parse({
      environments: [
        { name: "a", path: "a", cluster: "staging" },
        { name: "b", path: "b", cluster: "production" },
        { name: "c", path: "c" },
      ],
    });
    expect(checkClusterAccess(config, server, "acme/shop")).toEqual([]);
    expect(checkClusterAccess(config, server, "acme/blog")).toEqual([
      {
        path: ["environments", 1, "cluster"],
        message:
          'cluster "production" is not one this Capstan lets acme/blog use (allowed: staging); ask whoever runs Capstan',
      },
    ]);
  });
});
