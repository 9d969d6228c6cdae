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

/** Kills the recorded processes that still run the same command line; returns how many. */
export function killLeftovers(file: string): number {
  let recorded: Recorded[] = [];
  try {
    recorded = JSON.parse(readFileSync(file, "utf8")) as Recorded[];
  } catch {
    return 0;
  }
  let n = 0;
  for (const { pid, cmdline } of recorded) {
    if (cmdlineOf(pid) !== cmdline) continue; // gone, or the pid was reused
    try {
      process.kill(pid, "SIGKILL");
      n++;
    } catch {
      // already gone
    }
  }
  return n;
}
