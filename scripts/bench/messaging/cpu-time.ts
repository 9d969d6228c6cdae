import { readFileSync } from "node:fs";
import pg from "pg";

/**
 * CPU time (user + system) of processes, from /proc/<pid>/stat, in ms. Wall-clock
 * latencies on a shared machine depend on everyone's load; CPU time per message does not,
 * so the latency bench reports it for the hub and for Postgres (Linux only; elsewhere the
 * figures are left out).
 */
const TICK_MS = 10; // USER_HZ is 100 on Linux.

function cpuMsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}

/** The backends connected to `database` (the hub's pools, its LISTEN connection). */
async function backendsOf(serviceUrl: string, database: string): Promise<number[]> {
  const c = new pg.Client({ connectionString: serviceUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [database],
    );
    return rows.map((r) => r.pid);
  } finally {
    await c.end();
  }
}

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
