// Two synthetic renders of 10,000 objects each, shaped like a real platform repository: Deployments,
// Services, ConfigMaps and Secrets across namespaces, with a head that changes, adds and removes some.
export interface SyntheticOptions {
  objects: number;
  /** Fraction of objects whose head differs (image bump, replicas, a config value). */
  changed: number;
  /** Fraction removed from, and the same number added to, the head. */
  churn: number;
}

/** The base and head renders as multi-document YAML. */
export function syntheticRenders(options: SyntheticOptions): { base: string; head: string } {
  const base: string[] = [];
  const head: string[] = [];
  const changeEvery = Math.round(1 / options.changed);
  const churnEvery = Math.round(1 / options.churn);
  for (let i = 0; i < options.objects; i++) {
    const doc = objectAt(i, false);
    base.push(doc);
    if (i % churnEvery === churnEvery - 1) continue; // removed at head
    head.push(i % changeEvery === 0 ? objectAt(i, true) : doc);
  }
  for (let i = 0; i < Math.round(options.objects * options.churn); i++)
    head.push(objectAt(options.objects + i, false));
  return { base: base.join("---\n"), head: head.join("---\n") };
}

function objectAt(i: number, changed: boolean): string {
  const ns = `team-${i % 25}`;
  switch (i % 4) {
    case 0:
      return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}
  namespace: ${ns}
  labels: {app: app-${i}, tier: backend}
spec:
  replicas: ${changed ? 3 : 2}
  selector:
    matchLabels: {app: app-${i}}
  template:
    metadata:
      labels: {app: app-${i}, tier: backend}
    spec:
      containers:
      - name: main
        image: registry.example.com/app-${i}:1.${changed ? 8 : 7}.0
        ports: [{containerPort: 8080, name: http}]
        env:
        - {name: LOG_LEVEL, value: info}
        - {name: REGION, value: eu-west-1}
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: 500m, memory: 256Mi}
        readinessProbe:
          httpGet: {path: /healthz, port: http}
`;
    case 1:
      return `apiVersion: v1
kind: Service
metadata:
  name: app-${i}
  namespace: ${ns}
spec:
  selector: {app: app-${i - 1}}
  ports: [{port: ${changed ? 8080 : 80}, targetPort: http}]
`;
    case 2:
      return `apiVersion: v1
kind: ConfigMap
metadata:
  name: config-${i}
  namespace: ${ns}
data:
  feature.x: "${changed ? "on" : "off"}"
  settings.yaml: |
    retries: 3
    timeout: 30s
    endpoint: https://api-${i}.example.com
`;
    default:
      return `apiVersion: v1
kind: Secret
metadata:
  name: secret-${i}
  namespace: ${ns}
type: Opaque
data:
  password: ${Buffer.from(`pw-${i}-${changed ? "new" : "old"}`).toString("base64")}
  username: ${Buffer.from(`user-${i}`).toString("base64")}
`;
  }
}
