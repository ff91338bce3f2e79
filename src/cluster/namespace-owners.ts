import { OWNER } from "./applyset.js";
import type { ClusterClient } from "./connect.js";
import { isNotFound, ObjectError } from "./errors.js";

/**
 * Who owns each of these namespaces: the repository id its `capstan.dev/repository-id` label records, or
 * `""` when it has none. A namespace that does not exist is left out.
 *
 * @throws ObjectError when a Namespace cannot be read
 */
export async function namespaceOwners(
  cluster: ClusterClient,
  names: readonly string[],
): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  await Promise.all(
    names.map(async (name) => {
      try {
        const live = (await cluster.objects.read({
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name },
        })) as { metadata?: { labels?: Record<string, string> } };
        owners.set(name, live.metadata?.labels?.[OWNER.id] ?? "");
      } catch (err) {
        if (!isNotFound(err))
          throw new ObjectError({ group: "", kind: "Namespace", namespace: null, name }, "read", err);
      }
    }),
  );
  return owners;
}
