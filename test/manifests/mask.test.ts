import { describe, expect, it } from "vitest";
import { type KubeObject, maskSecret, maskSecretPair, normalize } from "../../src/manifests/index.js";

const secret = (data: Record<string, string>, stringData?: Record<string, string>): KubeObject =>
  ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "s" },
    data,
    ...(stringData ? { stringData } : {}),
  }) as KubeObject;

describe("maskSecretPair", () => {
  it.each<[string, KubeObject | undefined, KubeObject | undefined, unknown, unknown]>([
    ["an unchanged key reads ***", secret({ a: "MQ==" }), secret({ a: "MQ==" }), { a: "***" }, { a: "***" }],
    [
      "a changed key reads *** (before) and *** (after)",
      secret({ a: "MQ==" }),
      secret({ a: "Mg==" }),
      { a: "*** (before)" },
      { a: "*** (after)" },
    ],
    ["an added key reads ***", secret({}), secret({ b: "Mg==" }), {}, { b: "***" }],
    ["a removed key reads ***", secret({ b: "Mg==" }), secret({}), { b: "***" }, {}],
    ["an added Secret is masked whole", undefined, secret({ a: "MQ==" }), undefined, { a: "***" }],
    ["a removed Secret is masked whole", secret({ a: "MQ==" }), undefined, { a: "***" }, undefined],
  ])("%s", (_name, before, after, maskedBefore, maskedAfter) => {
    const [b, a] = maskSecretPair(before, after);
    expect(b?.data).toEqual(maskedBefore);
    expect(a?.data).toEqual(maskedAfter);
  });

  it("sees a stringData change after normalization, without showing either value", () => {
    const [b, a] = maskSecretPair(
      normalize(secret({}, { token: "old-value" })),
      normalize(secret({}, { token: "new-value" })),
    );
    expect(b!.data).toEqual({ token: "*** (before)" });
    expect(a!.data).toEqual({ token: "*** (after)" });
    expect(JSON.stringify([b, a])).not.toMatch(/old-value|new-value|b2xkLXZhbHVl|bmV3LXZhbHVl/);
  });

  it("masks stringData and the last-applied annotation of an unnormalized Secret", () => {
    const s = secret({ a: "c2VjcmV0" }, { b: "plain-secret" });
    s.metadata.annotations = {
      "kubectl.kubernetes.io/last-applied-configuration": '{"data":{"a":"c2VjcmV0"}}',
      team: "x",
    };
    const masked = maskSecret(s);
    expect(masked.stringData).toEqual({ b: "***" });
    expect(masked.metadata.annotations).toEqual({
      "kubectl.kubernetes.io/last-applied-configuration": "***",
      team: "x",
    });
    expect(JSON.stringify(masked)).not.toMatch(/c2VjcmV0|plain-secret/);
  });

  it("replaces a data field that is not a map", () => {
    const s = { ...secret({}), data: "c2VjcmV0" } as unknown as KubeObject;
    expect(maskSecret(s).data).toBe("***");
  });

  it("masks both sides when either is a Secret, whatever the version or the other side's kind", () => {
    const v1beta1 = { ...secret({}, { password: "newpassword456" }), apiVersion: "v1beta1" } as KubeObject;
    const impostor = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "s" },
      data: { password: "oldpassword123" },
    } as KubeObject;
    const [b, a] = maskSecretPair(impostor, v1beta1);
    expect(JSON.stringify([b, a])).not.toMatch(/password123|password456/);
    expect([b!.data, a!.stringData]).toEqual([{ password: "*** (before)" }, { password: "*** (after)" }]);
  });

  it.each<[string, Record<string, unknown>]>([
    ["a misspelled stringdata", { apiVersion: "v1", kind: "Secret", stringdata: { password: "hunter22" } }],
    ["StringData", { apiVersion: "v1", kind: "Secret", StringData: { password: "hunter22" } }],
    ["a lowercase kind", { apiVersion: "v1", kind: "secret", stringData: { password: "hunter22" } }],
    ["apiVersion core/v1", { apiVersion: "core/v1", kind: "Secret", stringData: { password: "hunter22" } }],
    ["a value outside any map", { apiVersion: "v1", kind: "SECRET", password: "hunter22" }],
    ["a nested field", { apiVersion: "v1", kind: "Secret", spec: { inner: { password: "hunter22" } } }],
  ])("masks every field of a Secret-like object with %s, keeping its keys", (_name, fields) => {
    const object = {
      metadata: { name: "s" },
      type: "Opaque",
      immutable: true,
      ...fields,
    } as unknown as KubeObject;
    const masked = maskSecret(object);
    expect(JSON.stringify(masked)).not.toContain("hunter22");
    expect(masked).toMatchObject({ metadata: { name: "s" }, type: "Opaque", immutable: true });
    for (const [key, value] of Object.entries(fields)) {
      if (key === "apiVersion" || key === "kind") expect(masked[key]).toBe(value);
      else if (typeof value === "object")
        expect(Object.keys(masked[key] as object)).toEqual(Object.keys(value as object));
      else expect(masked[key]).toBe("***");
    }
  });

  it("treats an added key named like an Object property as added", () => {
    const [, a] = maskSecretPair(secret({}), secret({ constructor: "eA==" }));
    expect(a!.data).toEqual({ constructor: "***" });
  });

  it("leaves other kinds alone", () => {
    const cm = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c" },
      data: { a: "visible" },
    } as KubeObject;
    expect(maskSecretPair(cm, cm)).toEqual([cm, cm]);
  });
});
