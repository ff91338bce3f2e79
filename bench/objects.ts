// The objects the cluster benchmarks sync: ConfigMaps, Services, Deployments (scaled to zero, so
// controllers stay out of the timing) and ServiceAccounts, in the proportions of a typical environment.
import yaml from "js-yaml";

/** `count` objects of one environment in `namespace`, as one multi-document YAML text. */
export function benchObjects(namespace: string, count: number): string {
  const docs: object[] = [];
  for (let i = 0; docs.length < count; i++) {
    const name = `app-${i}`;
    const labels = { app: name, team: `team-${i % 7}` };
    docs.push({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace, labels },
      data: { index: String(i), mode: "bench" },
    });
    if (docs.length % 4 === 0)
      docs.push({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, namespace, labels },
        spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
      });
    if (docs.length % 5 === 0)
      docs.push({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace, labels },
        spec: {
          replicas: 0,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: "main", image: `registry.invalid/${name}:1` }] },
          },
        },
      });
    if (docs.length % 9 === 0)
      docs.push({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace, labels } });
  }
  return docs
    .slice(0, count)
    .map((d) => yaml.dump(d))
    .join("---\n");
}
