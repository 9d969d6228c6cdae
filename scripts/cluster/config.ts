import { allPorts, type ClusterPorts, clusterPorts } from "./cluster.ts";
import { EPHEMERAL_FROM } from "./ports.ts";

/** nginx's port; every other port is an offset from it (clusterPorts). */
export const DEFAULT_BASE_PORT = 7400;

/** The highest offset from the base that clusterPorts uses. */
export const CLUSTER_PORT_SPAN = Math.max(...allPorts(clusterPorts(0)));

/**
 * A base port from a flag or env value: an integer from 1024 such that `base + span` stays
 * below the ephemeral range (`span` = the highest offset the caller listens on).
 */
export function basePort(raw: string, what: string, span = CLUSTER_PORT_SPAN): number {
  const base = Number(raw);
  const top = EPHEMERAL_FROM - 1 - span;
  if (!Number.isInteger(base) || base < 1024 || base > top) {
    throw new Error(
      `${what} must be an integer in 1024-${top} (its ports run to base + ${span}, below the ephemeral range from ${EPHEMERAL_FROM}), got ${raw}`,
    );
  }
  return base;
}

/** --base-port, else SITESYNC_CLUSTER_BASE_PORT, else 7400. */
export function clusterPortsFromEnv(arg?: string): ClusterPorts {
  const raw = arg ?? process.env.SITESYNC_CLUSTER_BASE_PORT ?? String(DEFAULT_BASE_PORT);
  return clusterPorts(basePort(raw, "the cluster's base port"));
}
