import { readFileSync, writeFileSync } from "node:fs";
import type { Cluster } from "./cluster.ts";

type Recorded = { pid: number; cmdline: string };

const cmdlineOf = (pid: number): string | null => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return null;
  }
};

/**
 * Writes the pids (with their command lines) of every process the cluster runs, so a
 * cluster whose orchestrator was SIGKILLed (and could not stop its children) is cleaned
 * up by the next `npm run cluster` or `npm run cluster -- --stop`.
 */
export function recordChildren(file: string, cluster: Cluster): void {
  const all = [
    ...cluster.redis.nodes,
    ...cluster.redis.sentinelProcesses,
    cluster.pgbouncer,
    ...cluster.hubs,
    ...(cluster.workers ? [cluster.workers] : []),
    cluster.nginx,
  ];
  const recorded: Recorded[] = [];
  for (const m of all) {
    const pid = m.running() ? m.pid() : undefined;
    const cmdline = pid ? cmdlineOf(pid) : null;
    if (pid && cmdline) recorded.push({ pid, cmdline });
  }
  writeFileSync(file, JSON.stringify(recorded));
}

/**
 * Stops the recorded processes that still run the same command line (SIGTERM, then SIGKILL
 * after 3 s: nginx's master takes its workers down only on a signal it can handle);
 * returns how many.
 */
export async function killLeftovers(file: string): Promise<number> {
  let recorded: Recorded[] = [];
  try {
    recorded = JSON.parse(readFileSync(file, "utf8")) as Recorded[];
  } catch {
    return 0;
  }
  const alive = () => recorded.filter(({ pid, cmdline }) => cmdlineOf(pid) === cmdline);
  const signal = (list: Recorded[], sig: NodeJS.Signals) => {
    for (const { pid } of list) {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  const found = alive(); // the others are gone, or their pid was reused
  signal(found, "SIGTERM");
  for (let i = 0; i < 30 && alive().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  signal(alive(), "SIGKILL");
  return found.length;
}
