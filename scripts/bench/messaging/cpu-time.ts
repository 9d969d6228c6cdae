import { processCpuMs as cpuMsOf } from "../relay/cpu.ts";
import { backendPids as backendsOf } from "../relay/db.ts";

/**
 * CPU time (user + system) of processes, in ms (relay/cpu.ts reads /proc). Wall-clock
 * latencies on a shared machine depend on everyone's load; CPU time per message does not,
 * so the latency bench reports it for the hub and for Postgres (Linux only; elsewhere the
 * figures are left out).
 */

export type CpuSnapshot = { hub: number | null; backends: Map<number, number> };

export async function cpuSnapshot(
  hubPid: number | undefined,
  serviceUrl: string,
  database: string,
): Promise<CpuSnapshot> {
  const backends = new Map<number, number>();
  for (const pid of await backendsOf(serviceUrl, database)) {
    const ms = cpuMsOf(pid);
    if (ms !== null) backends.set(pid, ms);
  }
  return { hub: hubPid ? cpuMsOf(hubPid) : null, backends };
}

/**
 * CPU ms spent between two snapshots: the hub's, and that of the Postgres backends of the
 * database (those present at the end; one that connected during the run counts from 0,
 * one that ended during the run is missed, so Postgres' figure is a lower bound).
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot) {
  let postgres = 0;
  for (const [pid, ms] of after.backends) postgres += ms - (before.backends.get(pid) ?? 0);
  return {
    hubMs: before.hub !== null && after.hub !== null ? after.hub - before.hub : null,
    postgresMs: postgres,
  };
}
