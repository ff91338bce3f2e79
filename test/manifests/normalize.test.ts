import { describe, expect, it } from "vitest";
import { type KubeObject, normalize } from "../../src/manifests/index.js";

const obj = (fields: Record<string, unknown>): KubeObject =>
  ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, ...fields }) as KubeObject;

describe("normalize", () => {
  it.each<[string, KubeObject, KubeObject]>([
    [
      "drops status and server-owned metadata",
      obj({
        metadata: {
          name: "a",
          uid: "u",
          resourceVersion: "1",
          generation: 2,
          creationTimestamp: null,
          managedFields: [],
        },
        status: { phase: "x" },
      }),
      obj({}),
    ],
    [
      "drops the last-applied annotation and empty maps",
      obj({
        metadata: {
          name: "a",
          labels: {},
          annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" },
        },
      }),
      obj({}),
    ],
    [
      "keeps other annotations",
      obj({ metadata: { name: "a", annotations: { team: "web" } } }),
      obj({ metadata: { name: "a", annotations: { team: "web" } } }),
    ],
    [
      "defaults a container port's protocol to TCP",
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "d" },
        spec: {
          template: {
            spec: {
              containers: [
                { name: "c", ports: [{ containerPort: 80 }, { containerPort: 53, protocol: "UDP" }] },
              ],
            },
          },
        },
      },
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "d" },
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: "c",
                  ports: [
                    { containerPort: 80, protocol: "TCP" },
                    { containerPort: 53, protocol: "UDP" },
                  ],
                },
              ],
            },
          },
        },
      },
    ],
    [
      "defaults a Service port's protocol to TCP",
      { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: 80 }] } },
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "s" },
        spec: { ports: [{ port: 80, protocol: "TCP" }] },
      },
    ],
    [
      "merges a Secret's stringData into data as base64, stringData winning",
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "s" },
        data: { a: "eA==", b: "eQ==" },
        stringData: { b: "z", c: "w" },
      },
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "s" },
        data: { a: "eA==", b: "eg==", c: "dw==" },
      },
    ],
  ])("%s", (_name, input, expected) => {
    const before = structuredClone(input);
    expect(normalize(input)).toEqual(expected);
    expect(input).toEqual(before);
  });
});
