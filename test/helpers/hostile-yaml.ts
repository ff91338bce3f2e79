// The worst YAML files of each kind that fit the 4 MiB file cap, generated rather than checked in. The
// tests preview them and bench/hostile-inputs.ts times them.

/** Just under the plain renderer's 4 MiB file cap. */
export const MAX_FILE = 4 * 1024 * 1024 - 1024;

/** A ConfigMap of `levels` nested arrays of nine, each aliasing the one before: 9^levels nodes. */
export function aliasBomb(name: string, levels: number): string {
  const lines = ["a: &a [x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < levels; i++) {
    const prev = String.fromCharCode(96 + i);
    const next = String.fromCharCode(97 + i);
    lines.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(", ")}]`);
  }
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\n${lines.join("\n")}\n`;
}

/** As many pieces `make(0)`, `make(1)`… as fit in `max` characters, after `head`, joined by `separator`. */
export function fill(make: (i: number) => string, separator: string, head = "", max = MAX_FILE): string {
  let text = head;
  for (let i = 0; ; i++) {
    const next = make(i);
    if (text.length + next.length + separator.length > max) return text;
    text += (i > 0 ? separator : "") + next;
  }
}

/** A file of alias bombs, each just under the per-document cap of a million nodes. */
export function bombFile(max = MAX_FILE): string {
  return fill((i) => aliasBomb(`b${i}`, 6), "---\n", "", max);
}

/** One List of as many Deployments as fit (about 14,000 in 4 MiB), each with three findings. */
export function deploymentList(max = MAX_FILE): string {
  return fill(listedDeployment, "", "apiVersion: v1\nkind: List\nitems:\n", max);
}

function listedDeployment(i: number): string {
  return `  - apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: d${i}\n    spec:\n      replicas: 1\n      selector: {matchLabels: {app: d${i}}}\n      template:\n        metadata: {labels: {app: d${i}}}\n        spec:\n          containers:\n            - name: c\n              image: nginx:latest\n`;
}
