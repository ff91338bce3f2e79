import type { Health, LiveObject } from "../types.js";

function hasIngress(object: LiveObject): boolean {
  const ingress = (object.status?.loadBalancer as { ingress?: unknown[] } | undefined)?.ingress;
  return Array.isArray(ingress) && ingress.length > 0;
}

/** A LoadBalancer Service is Progressing until it has an address; every other Service is Healthy. */
export function serviceHealth(s: LiveObject): Health {
  if (s.spec?.type === "LoadBalancer" && !hasIngress(s))
    return { status: "Progressing", message: "Waiting for a load balancer address" };
  return { status: "Healthy" };
}

/** An Ingress is Healthy once its controller has given it an address. */
export function ingressHealth(i: LiveObject): Health {
  return hasIngress(i)
    ? { status: "Healthy" }
    : { status: "Progressing", message: "Waiting for the ingress controller to assign an address" };
}
