import { FAULT_LABELS } from "./faults.ts";
import type { SoakReport } from "./run.ts";

const ms = (v: number) => (Number.isNaN(v) ? "–" : `${Math.round(v).toLocaleString("en-US")} ms`);
const s = (v: number) => (Number.isNaN(v) ? "not recovered" : `${(v / 1000).toFixed(1)} s`);
const n = (v: number) => v.toLocaleString("en-US");

/** The soak's result as Markdown (printed, and pasted into docs/cluster.md for a recorded run). */
export function renderSoak(r: SoakReport, header: string[]): string {
  const a = r.accounting;
  const w = r.writes;
  const lines = [
    ...header,
    `- Clients: ${r.clients} typed clients through nginx (${r.pollingClients} starting on long-polling with the sticky cookie), sockets per hub at the start ${r.hubSockets.join(" / ")}; ${n(r.reconnects)} reconnects during the run.`,
    `- Writes: API ${n(w.api.ok)} ok, ${n(w.api.failed)} failed${w.api.skipped ? `, ${n(w.api.skipped)} not sent (50 in flight)` : ""}; plain SQL ${n(w.sql.ok)} ok, ${n(w.sql.failed)} failed; worker jobs ${n(w.job.queued)} queued (${n(w.job.retries)} enqueue retries while Redis was away).`,
    "",
    "| fault | at | what | recovery | restart took | max lag during it | API writes failed |",
    "|---|---|---|---|---|---|---|",
    ...r.faults.map(
      (f) =>
        `| ${FAULT_LABELS[f.kind]} | ${f.at.toFixed(0)} s | ${f.detail} | ${s(f.recoveryMs)} | ${Number.isNaN(f.restartMs) ? "–" : s(f.restartMs)} | ${ms(f.maxLagMs)} | ${f.apiFailures} |`,
    ),
    "",
    "| accounting (every client against the database) | |",
    "|---|---|",
    `| committed on the clients' topics (sum over clients; distinct changes ${n(a.distinctCommitted)}) | ${n(a.committed)} |`,
    `| delivered | ${n(a.delivered)} |`,
    `| **lost** | **${n(a.lost)}** |`,
    `| **duplicated after de-duplication** | **${n(a.duplicated)}** |`,
    `| delivered but never committed | ${n(a.unexpected)} |`,
    `| worker jobs queued / committed / missing / committed twice | ${n(a.jobs.queued)} / ${n(a.jobs.committed)} / ${n(a.jobs.missing)} / ${n(a.jobs.duplicated)} |`,
    `| write-to-client lag outside the faults, p50 / p99 / max | ${ms(r.steadyLag.p50)} / ${ms(r.steadyLag.p99)} / ${ms(r.steadyLag.max)} (${n(r.steadyLag.samples)} deliveries) |`,
    "",
    r.problems.length === 0
      ? "**Result: nothing lost, nothing duplicated, every fault recovered.**"
      : `**Result: FAILED**: ${r.problems.join("; ")}.`,
    ...(a.examples.length > 0
      ? ["", "Lost (first ones):", ...a.examples.map((e) => `- ${e}`)]
      : []),
  ];
  return lines.join("\n");
}
