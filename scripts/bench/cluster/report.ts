import type { StepResult } from "../relay/steps.ts";
import type { PerSocket } from "../relay/worker-protocol.ts";
import type { ClusterBenchConfig } from "./config.ts";
import type { MemoryResult } from "./memory.ts";
import type { TargetSteps } from "./relay.ts";
import type { RestResult } from "./rest.ts";
import type { StormResult } from "./storm.ts";
import type { Phase, PhaseSummary } from "./storm-phases.ts";

export type ClusterBenchResults = {
  cfg: ClusterBenchConfig;
  header: string[];
  memory: MemoryResult;
  relay: TargetSteps[];
  storm: StormResult;
  rest: RestResult[];
};

export const HEADING = "## Scale-out: nginx, 3 hubs, PgBouncer, Redis Sentinel";

const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : "–");
const n0 = (v: number) => Math.round(v).toLocaleString("en-US");
const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
const once = (p?: PerSocket) =>
  p ? `${n0(p.min)}–${n0(p.max)} per socket, ${p.duplicates} twice` : "–";

const sec = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : "–");

/** "5,000 of 5,000 reconnected (p95 2.1 s, last 3.0 s), …, caught up (…)" from the drop. */
function stormPhases(p: PhaseSummary): string {
  const phase = (k: Phase, label: string) =>
    `${n0(p.reached[k])} of ${n0(p.clients)} ${label}${p.reached[k] > 0 ? ` (p95 ${sec(p.times[k].p95)}, last ${sec(p.times[k].max)})` : ""}`;
  return [
    phase("reconnected", "reconnected"),
    phase("resubscribed", "resubscribed"),
    phase("caughtUp", "caught up"),
  ].join(", ");
}

function stepRow(label: string, r: StepResult & { perSocket?: PerSocket }): string {
  return `| ${label} | ${n0(r.target)} | ${n0(r.achieved)} | ${n0(r.msgsPerSec)} | ${f1(r.latency.p50)} / ${f1(r.latency.p95)} / ${f1(r.latency.p99)} | ${pct(r.delivered)} | ${once(r.perSocket)} | ${(r.cpu.machine * 100).toFixed(0)} % | ${r.why} |`;
}

export function renderClusterBench(r: ClusterBenchResults): string {
  const m = r.memory;
  const s = r.storm;
  const target30 = m.perSocketKiB <= 30 ? "**met**" : "**missed**";
  const storm10 = !s.timedOut && s.caughtUpMs <= 10_000 ? "**met**" : "**missed**";
  const exact = s.lost === 0 && s.duplicates === 0 ? "**met**" : "**missed**";
  const relayOnce = r.relay.every((t) =>
    [t.latency, ...t.fanout].every(
      (x) => x.delivered >= 0.9999 && (x.perSocket?.duplicates ?? 0) === 0,
    ),
  );
  return [
    HEADING,
    "",
    "`npm run bench:cluster` (scripts/bench-cluster.ts, scripts/bench/cluster/). Generated; re-running replaces this section.",
    "",
    ...r.header,
    "",
    "### Results against the targets",
    "",
    "| measure | result | target | |",
    "|---|---|---|---|",
    `| memory per idle socket, ${n0(m.sockets)} sockets on one hub (RSS) | ${f1(m.perSocketKiB)} KiB | ≤ 30 KB (Centrifugo's ~30 KB per idle connection) | ${target30} |`,
    `| memory per subscription (${n0(m.subscriptions)} more) | ${m.perSubscriptionKiB.toFixed(2)} KiB | | |`,
    `| retained JS heap after a full GC: per idle socket / per subscription | ${f1(m.heapPerSocketKiB)} KiB / ${m.heapPerSubscriptionKiB.toFixed(2)} KiB | | |`,
    `| reconnect storm, ${n0(s.sockets)} sockets through nginx, ${n0(s.writesPerSec)} changes/s committing: all re-subscribed and caught up | ${s.timedOut ? `not within ${f1(r.cfg.storm.timeoutMs / 1000)} s` : `${f1(s.caughtUpMs / 1000)} s`}: ${stormPhases(s.phases)}; nginx restart ${n0(s.restartMs)} ms | ≤ 10 s | ${storm10} |`,
    `| … nothing lost or duplicated | ${n0(s.delivered)} of ${n0(s.committed)} delivered, ${n0(s.lost)} lost, ${n0(s.duplicates)} duplicated | 0 / 0 | ${exact} |`,
    `| relay through nginx + 3 hubs: each event once per client | ${relayOnce ? "every step: 100 % delivered, no socket got an id twice" : "see the steps"} | once | ${relayOnce ? "**met**" : "**missed**"} |`,
    "",
    `Memory: RSS of the hub process ${f1(m.rssBeforeMiB)} MiB idle, ${f1(m.rssIdleMiB)} MiB with the sockets, ${f1(m.rssSubscribedMiB)} MiB after ${r.memory.subscriptions / Math.max(1, m.sockets)} more subscriptions each (each reading after the hub was left alone and a full GC ran in it through its inspector; median of five samples); its JS heap in use after that GC ${m.heapMiB.map(f1).join(" → ")} MiB. RSS also counts what V8 keeps reserved after growing its heap, so a small run overstates the per-socket share.`,
    "",
    "### Relay: one hub, then nginx + 3 hubs",
    "",
    "One target at a time: its sockets connect and subscribe, its steps run, and they disconnect before the other target's connect, so only the measured target's clients receive the changes (every hub still reads each change from the outbox). Latency = from the writer sending the committing statement to the client's handler (bench:relay's method). Per-client delivery counts: the least and most deliveries any socket got in the step, and how many times a socket got an event id it already had.",
    "",
    "| step | target /s | achieved /s | delivered msgs/s | p50 / p95 / p99 ms | delivered | per-client deliveries | CPU machine | verdict |",
    "|---|---|---|---|---|---|---|---|---|",
    ...r.relay.flatMap((t) => [
      stepRow(`${t.label}: latency`, t.latency),
      ...t.fanout.map((x) => stepRow(`${t.label}: fan-out ${x.fanout}`, x)),
    ]),
    "",
    "### REST: the dispatch board through PgBouncer and direct",
    "",
    `${r.cfg.rest.concurrency} requests always in flight for ${r.cfg.rest.durationMs / 1000} s per round, ${r.cfg.rest.rounds} rounds alternating; \`GET /api/v1/dispatch-board?limit_per_status=50\` of an organisation with ${n0(r.cfg.rest.workOrders)} open work orders, one hub process each (DB_POOL_SIZE 10), the same code: only the pools' URLs differ.`,
    "",
    "| pools | requests/s | p50 ms | p95 ms | p99 ms | errors |",
    "|---|---|---|---|---|---|",
    ...r.rest.map(
      (x) =>
        `| ${x.label} | ${n0(x.perSecond)} | ${f1(x.latency.p50)} | ${f1(x.latency.p95)} | ${f1(x.latency.p99)} | ${x.errors} |`,
    ),
    "",
  ].join("\n");
}
