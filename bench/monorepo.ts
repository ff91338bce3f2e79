// A generated platform monorepo: environments over three shared kustomize bases (web, api, worker), each
// environment a namespace, a Deployment, a Service, an HPA and a generated ConfigMap, with a replicas
// patch and an image override of its own, and a shared component every environment uses.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const BASES = ["web", "api", "worker"] as const;

function write(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

/** The environment names of a generated monorepo of `count` environments. */
export function environmentNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `env-${String(i).padStart(4, "0")}`);
}

/** Writes a monorepo of `count` environments at `root`. */
export function writeMonorepo(root: string, count: number): void {
  for (const base of BASES) {
    write(
      root,
      `bases/${base}/kustomization.yaml`,
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deployment.yaml, service.yaml, hpa.yaml]\nlabels:\n  - pairs: {app.kubernetes.io/name: ${base}}\n`,
    );
    write(
      root,
      `bases/${base}/deployment.yaml`,
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${base}
spec:
  replicas: 2
  selector:
    matchLabels: {app: ${base}}
  template:
    metadata:
      labels: {app: ${base}}
    spec:
      containers:
        - name: ${base}
          image: registry.example.com/${base}:1.0.0
          envFrom: [{configMapRef: {name: settings}}]
          ports: [{containerPort: 8080}]
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
          securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false}
`,
    );
    write(
      root,
      `bases/${base}/service.yaml`,
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${base}\nspec:\n  selector: {app: ${base}}\n  ports: [{port: 80, targetPort: 8080}]\n`,
    );
    write(
      root,
      `bases/${base}/hpa.yaml`,
      `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: ${base}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: ${base}}\n  minReplicas: 2\n  maxReplicas: 10\n  metrics:\n    - type: Resource\n      resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}\n`,
    );
  }
  write(
    root,
    "components/observability/kustomization.yaml",
    'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n  prometheus.io/scrape: "true"\n',
  );
  const environments: string[] = [];
  environmentNames(count).forEach((name, i) => {
    const base = BASES[i % BASES.length]!;
    write(
      root,
      `envs/${name}/kustomization.yaml`,
      `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${name}
resources: [namespace.yaml, ../../bases/${base}]
components: [../../components/observability]
patches:
  - path: replicas.yaml
images:
  - name: registry.example.com/${base}
    newTag: "1.${i % 20}.0"
configMapGenerator:
  - name: settings
    envs: [settings.env]
`,
    );
    write(
      root,
      `envs/${name}/namespace.yaml`,
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`,
    );
    write(
      root,
      `envs/${name}/replicas.yaml`,
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${base}\nspec:\n  replicas: ${2 + (i % 3)}\n`,
    );
    write(root, `envs/${name}/settings.env`, `ENVIRONMENT=${name}\nLOG_LEVEL=info\nREGION=region-${i % 4}\n`);
    environments.push(`  - {name: ${name}, path: envs/${name}, renderer: kustomize, namespace: ${name}}`);
  });
  write(root, ".github/capstan.yml", `environments:\n${environments.join("\n")}\n`);
  write(root, "README.md", "# platform\n");
}

/** The pull requests the benchmark previews, each a copy of the base with one change. */
export const PULL_REQUESTS = {
  "docs only": (root: string) => write(root, "README.md", "# platform\n\nMore docs.\n"),
  "one environment's overlay": (root: string) =>
    write(
      root,
      "envs/env-0007/replicas.yaml",
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 5\n",
    ),
  "a shared base (web: a third of the environments)": (root: string) =>
    write(
      root,
      "bases/web/service.yaml",
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8081}]\n",
    ),
} as const;

/** A copy of the base tree with one pull request's change. */
export function headOf(base: string, head: string, change: (root: string) => void): void {
  cpSync(base, head, { recursive: true });
  change(head);
}
