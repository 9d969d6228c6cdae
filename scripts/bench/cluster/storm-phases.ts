import { type Stats, stats } from "../stats.ts";

/**
 * The storm's phases as one client process saw them: for each phase, the ms from the drop
 * at which each client reached it (only clients that did); how many clients are connected
 * now and how many socket.io gave up on (neither connected nor retrying); connect errors by
 * message.
 */
export type StormPhases = {
  clients: number;
  dropped: number[];
  reconnected: number[];
  resubscribed: number[];
  caughtUp: number[];
  connectedNow: number;
  gaveUp: number;
  errors: Record<string, number>;
};

export const PHASES = ["dropped", "reconnected", "resubscribed", "caughtUp"] as const;
export type Phase = (typeof PHASES)[number];

/** Counts and time statistics (ms since the drop) per phase, merged over the processes. */
export type PhaseSummary = {
  clients: number;
  reached: Record<Phase, number>;
  times: Record<Phase, Stats>;
  connectedNow: number;
  gaveUp: number;
  errors: Record<string, number>;
};

export function mergePhases(parts: StormPhases[]): PhaseSummary {
  const all = (k: Phase) => parts.flatMap((p) => p[k]);
  const errors: Record<string, number> = {};
  for (const p of parts)
    for (const [k, v] of Object.entries(p.errors)) errors[k] = (errors[k] ?? 0) + v;
  return {
    clients: parts.reduce((n, p) => n + p.clients, 0),
    reached: Object.fromEntries(PHASES.map((k) => [k, all(k).length])) as Record<Phase, number>,
    times: Object.fromEntries(PHASES.map((k) => [k, stats(all(k))])) as Record<Phase, Stats>,
    connectedNow: parts.reduce((n, p) => n + p.connectedNow, 0),
    gaveUp: parts.reduce((n, p) => n + p.gaveUp, 0),
    errors,
  };
}

const s1 = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : "–");
const n0 = (v: number) => v.toLocaleString("en-US");

/** "4,980 of 5,000 reconnected (p50 1.2 s, p95 3.0 s, last 4.1 s), …". */
export function describePhases(s: PhaseSummary): string {
  const label: Record<Phase, string> = {
    dropped: "dropped",
    reconnected: "reconnected",
    resubscribed: "resubscribed",
    caughtUp: "caught up",
  };
  const parts = PHASES.map((k) => {
    const t = s.times[k];
    const n = s.reached[k];
    return `${n0(n)} of ${n0(s.clients)} ${label[k]}${n > 0 ? ` (p50 ${s1(t.p50)}, p95 ${s1(t.p95)}, last ${s1(t.max)})` : ""}`;
  });
  const errs = Object.entries(s.errors)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${n0(v)} × ${k}`);
  return `${parts.join("; ")}; connected now ${n0(s.connectedNow)}, given up ${n0(s.gaveUp)}; connect errors: ${errs.length ? errs.join(", ") : "none"}`;
}
