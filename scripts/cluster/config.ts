import { type ClusterPorts, clusterPorts } from "./cluster.ts";

/** nginx's port; every other port is an offset from it (clusterPorts). */
export const DEFAULT_BASE_PORT = 7400;

/** --base-port, else SITESYNC_CLUSTER_BASE_PORT, else 7400. */
export function clusterPortsFromEnv(arg?: string): ClusterPorts {
  const raw = arg ?? process.env.SITESYNC_CLUSTER_BASE_PORT ?? String(DEFAULT_BASE_PORT);
  const base = Number(raw);
  if (!Number.isInteger(base) || base < 1024 || base > 65_000) {
    throw new Error(`the cluster's base port must be an integer in 1024-65000, got ${raw}`);
  }
  return clusterPorts(base);
}
