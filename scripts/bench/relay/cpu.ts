import { readFileSync } from "node:fs";

/**
 * CPU use from /proc (Linux): the whole machine (busy share of all cores) and named
 * processes (share of ONE core), so a table can say which side ran out of CPU.
 */
const TICKS_PER_SECOND = 100;

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * A process's CPU time (user + system) in ms from /proc/<pid>/stat, or null when it cannot be
 * read (gone, or not Linux). Fields after the command name (which may hold spaces) start
 * after the last ')'.
 */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND; // utime + stime
  } catch {
    return null;
  }
}

const processTicks = (pid: number): number => ((processCpuMs(pid) ?? 0) * TICKS_PER_SECOND) / 1000;

export type CpuSample = { machine: number; processes: Record<string, number> };

export function cpuMeter(pids: Record<string, number[]>) {
  const t0 = performance.now();
  const m0 = machineTicks();
  const p0 = new Map(
    Object.values(pids)
      .flat()
      .map((p) => [p, processTicks(p)]),
  );
  return (): CpuSample => {
    const seconds = (performance.now() - t0) / 1000;
    const m1 = machineTicks();
    const processes: Record<string, number> = {};
    for (const [k, list] of Object.entries(pids)) {
      let ticks = 0;
      for (const p of list) {
        const end = processTicks(p);
        // A process that went away during the step reads 0: leave it out.
        if (end > 0) ticks += end - (p0.get(p) ?? end);
      }
      processes[k] = ticks / TICKS_PER_SECOND / seconds;
    }
    return { machine: (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total), processes };
  };
}
