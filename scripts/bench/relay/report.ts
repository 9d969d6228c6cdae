import { readFile, writeFile } from "node:fs/promises";
import { type Arrangement, arrangementLabel, type Config } from "./config.ts";
import type { FanoutRamp } from "./fanout-ramp.ts";
import type { Summary } from "./histogram.ts";
import type { HubRamp } from "./hub-throughput.ts";
import type { RawNotifyResult } from "./raw-notify.ts";
import type { StepResult } from "./steps.ts";
import type { WritePathResult } from "./write-path.ts";

export type Machine = {
  date: string;
  commit: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  loadBefore: string;
  fdLimit: string;
};

/** The latency step (hub and bare) measured with the clients arranged another way. */
export type ArrangedLatency = Arrangement & { hub: StepResult; bare: StepResult };

export type RelayResults = {
  cfg: Config;
  machine: Machine;
  envelopeBytes: number;
  forumEnvelopeBytes: number;
  raw: RawNotifyResult;
  /** The work order UPDATE with no hub. */
  writePath: WritePathResult;
  /** The notification INSERT with no hub. */
  notificationPath: WritePathResult;
  bareSockets: number;
  hubSockets: number;
  connectSeconds: number;
  fanout: number;
  latency: { hub: StepResult; bare: StepResult };
  /** `--latency-also`: the latency step again, on fresh connections arranged otherwise. */
  latencyAlso: ArrangedLatency[];
  fan: FanoutRamp;
  /** The large fan-out: forum thread changes to 1,000 sockets per category. */
  wideFanout: number;
  wide: FanoutRamp;
  smallSockets: number;
  /** Fan-out 1, work order UPDATEs (each organisation's one socket on `org:`). */
  small: HubRamp;
  /** Fan-out 1, notification INSERTs (each to one user's own `user:` room). */
  smallNotifications: HubRamp;
  seconds: number;
};

const TARGETS = {
  p50: 10,
  p95: 25,
  p99: 50,
  smallChanges: 1_000,
  smallRatio: 0.5,
  largeRatio: 0.8,
};
const f0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString("en-AU") : "n/a");
const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : "n/a");
const pct = (v: number) => `${(v * 100).toFixed(0)} %`;
const ok = (met: boolean) => (met ? "**met**" : "**missed**");
/** A stricter reading than the issue's target (see the note under the results table). */
const check = (met: boolean) => (met ? "check met" : "check missed");
const atLeast = (reached: boolean) => (reached ? "" : "≥ ");
const pathRates = (p: WritePathResult) =>
  p.byWriters.map((w) => `${w.writers} connection(s) ${f0(w.rate)}/s`).join(", ");

/** "a / b" as multiples of a reference (hub steps against the bare broadcast or raw NOTIFY). */
const times = (r: StepResult, ref: Summary | undefined) =>
  ref ? `×${(r.latency.p50 / ref.p50).toFixed(1)} / ×${(r.latency.p99 / ref.p99).toFixed(1)}` : "";

/**
 * CPU of the server and the clients per delivered message, in µs: the socket side of the
 * relay, which the hub and the bare broadcast both pay. What the hub's run adds beyond it is
 * the database's and the writers' CPU (the change itself), shown in their own columns.
 */
const perMessageUs = (r: StepResult, serverKey: string) => {
  const cores = (r.cpu.processes[serverKey] ?? 0) + (r.cpu.processes.clients ?? 0);
  return r.msgsPerSec > 0 ? f1((cores * 1e6) / r.msgsPerSec) : "n/a";
};

function stepRows(phase: string, steps: StepResult[], serverKey: string, raw: Summary): string[] {
  return steps.map(
    (r) =>
      `| ${phase} | ${f0(r.target)} | ${f0(r.achieved)} | ${f0(r.msgsPerSec)} | ${f1(r.latency.p50)} | ` +
      `${f1(r.latency.p95)} | ${f1(r.latency.p99)} | ${times(r, r.bare)} | ${r.hubLag ? times(r, raw) : ""} | ` +
      `${(r.delivered * 100).toFixed(2)} % | ` +
      `${r.hubLag ? `${r.hubLag.p50} / ${r.hubLag.p95} / ${r.hubLag.p99}` : ""} | ` +
      `${r.hubLag ? f1(r.hubLag.rowsPerRead) : ""} | ${r.hubLag ? `${pct(r.hubLag.backlogShare)} / ${pct(r.hubLag.heldShare)}` : ""} | ` +
      `${pct(r.cpu.machine)} | ${pct(r.cpu.processes[serverKey] ?? 0)} | ${pct(r.cpu.processes.clients ?? 0)} | ${r.cpu.processes.postgres === undefined ? "–" : pct(r.cpu.processes.postgres)} | ${r.cpu.processes.writers === undefined ? "–" : pct(r.cpu.processes.writers)} | ${perMessageUs(r, serverKey)} | ${r.why} |`,
  );
}

/** Every arrangement the latency step was measured with, the run's own first. */
export const arrangedLatencies = (r: RelayResults): ArrangedLatency[] => [
  { batch: r.cfg.batch, clientProcesses: r.cfg.clientProcesses, ...r.latency },
  ...r.latencyAlso,
];

/** The verdicts, also used for the console summary. */
export function verdicts(r: RelayResults) {
  // The latency target holds only if it holds for every arrangement measured.
  const worst = (k: "p50" | "p95" | "p99") =>
    Math.max(...arrangedLatencies(r).map((a) => a.hub.latency[k]));
  const smallChanges = r.small.changes.bounded;
  const smallRatio = smallChanges / r.raw.txPerSec;
  const notificationChanges = r.smallNotifications.changes.bounded;
  const notificationRatio = notificationChanges / r.raw.txPerSec;
  const ratio = (f: FanoutRamp) => f.hub.msgs.saturation / f.bare.msgs.saturation;
  const boundedRatio = (f: FanoutRamp) => f.hub.msgs.bounded / f.bare.msgs.bounded;
  const largeRatio = ratio(r.wide);
  const largeRatio100 = ratio(r.fan);
  return {
    worst: { p50: worst("p50"), p95: worst("p95"), p99: worst("p99") },
    p50: worst("p50") <= TARGETS.p50,
    p95: worst("p95") <= TARGETS.p95,
    p99: worst("p99") <= TARGETS.p99,
    smallChanges,
    smallRatio,
    small: smallChanges >= TARGETS.smallChanges,
    notificationChanges,
    notificationRatio,
    notificationSmall: notificationChanges >= TARGETS.smallChanges,
    /**
     * Reported, not a verdict: the issue's "half the raw NOTIFY ceiling" is its reason for
     * the 1,000/s figure (half of the 2,100 tx/s it measured); this run's ceiling is its own.
     */
    smallHalf: notificationRatio >= TARGETS.smallRatio,
    largeRatio,
    largeBoundedRatio: boundedRatio(r.wide),
    /** Met only against a bare ceiling that was reached: against a lower bound the ratio is only an upper bound. */
    large: largeRatio >= TARGETS.largeRatio && r.wide.bare.msgs.reached,
    largeRatio100,
    largeBoundedRatio100: boundedRatio(r.fan),
    large100: largeRatio100 >= TARGETS.largeRatio && r.fan.bare.msgs.reached,
  };
}

function gaps(r: RelayResults, v: ReturnType<typeof verdicts>): string[] {
  const out: string[] = ["**Gaps and limits.**", ""];
  const missedLat = (["p50", "p95", "p99"] as const).filter((k) => !v[k]);
  if (missedLat.length > 0) {
    out.push(
      `- Latency missed (${missedLat.map((k) => `${k} ${f1(v.worst[k])} ms vs ≤ ${TARGETS[k]} ms`).join(", ")}${r.latencyAlso.length > 0 ? ", the worst over the arrangements below" : ""}). The hub's own commit → emit lag was ${r.latency.hub.hubLag?.p50 ?? "n/a"} / ${r.latency.hub.hubLag?.p95 ?? "n/a"} / ${r.latency.hub.hubLag?.p99 ?? "n/a"} ms (p50/p95/p99), so the time is spent before the emit (database round trips and scheduling of the hub process on busy cores), not in socket.io. Compare the ramp's step at the same rate below.`,
    );
  }
  const smallGap = (what: string, changes: number) =>
    `- Small fan-out, ${what}: ${f0(changes)} changes/s sustained vs ≥ ${f0(TARGETS.smallChanges)}/s (${pct(changes / TARGETS.smallChanges)} of it). See the step table: when the last step says the producer fell short, the writers could not commit faster (the write path, not the relay, was the limit).`;
  if (!v.small) out.push(smallGap("work order UPDATEs", v.smallChanges));
  if (!v.notificationSmall) out.push(smallGap("notification INSERTs", v.notificationChanges));
  const largeGap = (f: FanoutRamp, fanout: number, ratio: number) =>
    `- Fan-out ${f0(fanout)}: ${f0(f.hub.msgs.saturation)} msgs/s at saturation vs the bare ${atLeast(f.bare.msgs.reached)}${f0(f.bare.msgs.saturation)} (${pct(ratio)}, target 80 %${f.bare.msgs.reached ? "" : "; not established: the bare broadcast stayed bounded at every rate offered, so its ceiling is higher and this ratio only an upper bound"}). Every change costs the database a committed UPDATE, the capture trigger and the pump's read on the same 2 cores the clients and the server use; at fan-out ${f0(fanout)} that cost is shared by only ${f0(fanout)} deliveries.`;
  if (!v.large) out.push(largeGap(r.wide, r.wideFanout, v.largeRatio));
  if (out.length === 2) out.push("- Every target met.");
  if (!v.large100)
    out.push(`- Stricter check missed. ${largeGap(r.fan, r.fanout, v.largeRatio100).slice(2)}`);
  if (!v.smallHalf) {
    const alone = r.notificationPath.bestRate;
    out.push(
      `- Stricter check missed. Notifications sustained ${pct(v.notificationRatio)} of this run's raw NOTIFY ceiling (${f0(r.raw.txPerSec)} tx/s), under half. The same INSERT with no hub running committed at most ${f0(alone)}/s (${pct(alone / r.raw.txPerSec)} of the ceiling); with the hub and the clients on the same cores the writers reached what the last step shows (see its hub-side lag: when it stayed bounded, the writers, not the relay, were the limit).`,
    );
  }
  return out;
}

/**
 * The latency step per arrangement of the clients (`--latency-also`), each beside the bare
 * broadcast and raw NOTIFY of the same run; empty when only the run's own was measured.
 */
function arrangementTable(r: RelayResults): string[] {
  if (r.latencyAlso.length === 0) return [];
  const q = (x: Summary) => `${f1(x.p50)} / ${f1(x.p95)} / ${f1(x.p99)}`;
  const meets = (x: Summary) =>
    x.p50 <= TARGETS.p50 && x.p95 <= TARGETS.p95 && x.p99 <= TARGETS.p99;
  const { warmupMs, idleMs } = r.cfg.latency;
  return [
    `Latency at the target load by arrangement of the clients, each on its own fresh connections (the run's own first, the others after the fan-out ramps)${warmupMs === 0 && idleMs === 0 ? ", each measured from its first moment after connecting" : ""}:`,
    "",
    "| clients | hub p50 / p95 / p99 ms | bare broadcast p50 / p95 / p99 ms | hub ÷ bare p50 / p99 | raw NOTIFY p50 / p95 / p99 ms | backlog reads | CPU machine | ≤ 10 / 25 / 50 ms |",
    "|---|---|---|---|---|---|---|---|",
    ...arrangedLatencies(r).map(
      (a) =>
        `| ${arrangementLabel(a)} | ${q(a.hub.latency)} | ${q(a.bare.latency)} | ${times(a.hub, a.bare.latency)} | ${q(r.raw.paced)} | ${a.hub.hubLag ? pct(a.hub.hubLag.backlogShare) : "n/a"} | ${pct(a.hub.cpu.machine)} | ${ok(meets(a.hub.latency))} |`,
    ),
    "",
  ];
}

export function renderSection(r: RelayResults): string {
  const v = verdicts(r);
  const m = r.machine;
  const bare100 = r.latency.bare;
  const lat = r.latency.hub.latency;
  const vsBare = (k: "p50" | "p95" | "p99") =>
    bare100 ? `${f1(bare100.latency[k])} (×${(lat[k] / bare100.latency[k]).toFixed(1)})` : "n/a";
  const raw = r.raw.paced;
  const also = r.latencyAlso.length;
  const worstOf = (k: "p50" | "p95" | "p99") => (also ? ` (worst ${f1(v.worst[k])} ms)` : "");
  const lines = [
    "## Realtime relay",
    "",
    "`npm run bench:relay` (scripts/bench-relay.ts, scripts/bench/relay/). Generated; re-running replaces this section." +
      (r.cfg.quick ? " **This run used `--quick` (short steps): indicative only.**" : ""),
    "",
    `- Date: ${m.date}`,
    `- Commit: ${m.commit}`,
    `- Machine: ${m.cpus} CPUs (\`nproc\`), ${m.cpuModel}, ${m.memoryGiB} GiB RAM, Node ${m.node}, ${m.postgres}; load average before the run ${m.loadBefore} (the machine is shared with other engineers' test runs); \`ulimit -n\` ${m.fdLimit}. Run took ${f0(r.seconds)} s.`,
    `- Processes, all on the same 2 cores over loopback: Postgres; the hub as its own process (\`node server/main.ts\`, SITESYNC_ROLES=api, NODE_ENV=production, its own Redis prefix); the bare socket.io server as its own process; the clients in ${r.cfg.clientProcesses} socket.io-client process${r.cfg.clientProcesses === 1 ? "" : "es"} (websocket transport); the writers and the orchestrator in the script's process.`,
    `- Sockets: ${f0(r.hubSockets)} (${r.cfg.large.orgs} organisations × ${r.cfg.large.socketsPerOrg} sockets, each socket a real session of one of ${r.cfg.large.usersPerOrg} admins per organisation). Each socket watches its organisation's \`org:\` topic and one of ${r.cfg.wide.categories} global forum categories (\`forum_category:\`, organisations split evenly). **Fan-out ${r.fanout}**: work order changes, each hitting one organisation (${r.fanout} sockets). **Fan-out ${f0(r.wideFanout)}** (the large fan-out): forum thread changes, each hitting one category (${f0(r.wideFanout)} sockets of ${f0(r.cfg.large.orgs / r.cfg.wide.categories)} organisations; technicians across companies watching a busy category). Small fan-out: ${r.smallSockets} sockets in ${r.smallSockets} organisations (each the first user of its organisation), fan-out 1: work order changes on the socket's \`org:\` topic, and notifications to that user on its own \`user:\` room. ${r.cfg.batch ? "The hub's sockets connect with `auth.batch: true`, as the typed client does, so a socket handed several events in one delivery slice gets them as one `events` packet (docs/realtime-protocol.md); the bare server sends one packet per broadcast." : "**Plain sockets** (`--plain`): the hub's sockets connect without `auth.batch`, so every event is its own `event` packet, as from the bare server."} The bare server uses the same ${f0(r.bareSockets)} sockets in the same rooms and sends the hub's real envelopes: \`work_order.updated\` (${f0(r.envelopeBytes)} bytes of JSON) and \`forum_thread.updated\` (${f0(r.forumEnvelopeBytes)} bytes).`,
    `- Writers: pg connections as the service role (for each change, the count that committed it fastest with no hub, below: ${r.writePath.best} for work orders, ${r.notificationPath.best} for notifications) committing \`UPDATE work_orders SET title = 'bench <send time>'\` (forum threads the same) or \`INSERT INTO notifications (user_id, notification_type, title) VALUES (…, 'bench', 'bench <send time>')\` in autocommit, paced to the target rate; each change goes through the real trigger → outbox → NOTIFY → pump → delivery path. **Latency** = from the writer sending the committing statement (so it includes the UPDATE, the trigger and the commit) to the client's \`event\` handler, across processes via the machine's monotonic clock (\`process.hrtime\`, which a wall-clock step does not move). Steps last ${r.cfg.stepMs / 1000} s; the first ${r.cfg.warmupMs / 1000} s are not measured. ${r.cfg.latency.warmupMs === 0 && r.cfg.latency.idleMs === 0 ? `The latency steps come first after the sockets connect and are measured whole (${r.cfg.latency.durationMs / 1000} s, no idle pause, no warm-up).` : `The latency steps run ${r.cfg.latency.durationMs / 1000} s measured after ${r.cfg.latency.idleMs / 1000} s idle and ${r.cfg.latency.warmupMs / 1000} s of warm-up.`}`,
    `- **Bounded lag**: in the measured window p99 < ${r.cfg.boundedP99Ms} ms, the second half's p99 ≤ 1.5 × the first half's + 50 ms (not growing), and every expected delivery (committed × fan-out) arrived. A step whose writers reached less than 90 % of the target rate is marked producer-limited: its achieved rate still counts when its lag was bounded (those changes were committed and relayed), and the ramp stops there. A step whose lag is not bounded runs once more and the better run stands (the table shows that one; the console log shows both); ramps stop at the first step that is still not bounded, and the fan-out ramps go on past their listed rates (×${r.cfg.rampExtension.growth} a step, at most ${r.cfg.rampExtension.extraSteps} more) while either side is still bounded; then both sides are offered the top rate twice more, interleaved, so both saturation ceilings (most deliveries per second over all steps) come from the same overload. A ceiling marked ≥ was not reached (every step stayed bounded).`,
    "",
    "### Results against the targets",
    "",
    "| measure | hub | physical limit (same run) | hub ÷ limit | target | |",
    "|---|---|---|---|---|---|",
    `| latency p50, ${f0(r.hubSockets)} sockets, fan-out ${r.fanout}, ${r.cfg.latency.rate} changes/s${also ? ` (${arrangementLabel(r.cfg)}; verdicts: the worst of ${also + 1} arrangements, below)` : ""} | ${f1(lat.p50)} ms${worstOf("p50")} | bare broadcast at ${r.cfg.latency.rate}/s: ${vsBare("p50")} ms | | ≤ ${TARGETS.p50} ms | ${ok(v.p50)} |`,
    `| latency p95 | ${f1(lat.p95)} ms${worstOf("p95")} | bare: ${vsBare("p95")} ms | | ≤ ${TARGETS.p95} ms | ${ok(v.p95)} |`,
    `| latency p99 | ${f1(lat.p99)} ms${worstOf("p99")} | bare: ${vsBare("p99")} ms; raw NOTIFY at ${r.raw.pacedRate}/s: ${f1(r.raw.paced.p99)} ms | ×${(lat.p99 / r.raw.paced.p99).toFixed(1)} of raw NOTIFY | ≤ ${TARGETS.p99} ms | ${ok(v.p99)} |`,
    `| sustained changes/s with bounded lag, fan-out 1: work order UPDATEs | ${atLeast(r.small.changes.reached)}${f0(v.smallChanges)} | raw NOTIFY ceiling, ${r.raw.writers} writers: ${f0(r.raw.txPerSec)} tx/s; this UPDATE with no hub: ${f0(r.writePath.bestRate)}/s | ${pct(v.smallRatio)} of raw NOTIFY; ${pct(v.smallChanges / r.writePath.bestRate)} of the UPDATE alone | ≥ ${f0(TARGETS.smallChanges)}/s | ${ok(v.small)} |`,
    `| sustained changes/s with bounded lag, fan-out 1: notification INSERTs | ${atLeast(r.smallNotifications.changes.reached)}${f0(v.notificationChanges)} | raw NOTIFY ceiling: ${f0(r.raw.txPerSec)} tx/s; this INSERT with no hub: ${f0(r.notificationPath.bestRate)}/s | ${pct(v.notificationRatio)} of raw NOTIFY | ≥ ${f0(TARGETS.smallChanges)}/s; stricter check: ≥ 50 % of raw NOTIFY | ${ok(v.notificationSmall)}; ${check(v.smallHalf)} |`,
    `| deliveries/s at fan-out ${f0(r.wideFanout)} (saturation) | ${atLeast(r.wide.hub.msgs.reached)}${f0(r.wide.hub.msgs.saturation)} | bare broadcast ceiling: ${atLeast(r.wide.bare.msgs.reached)}${f0(r.wide.bare.msgs.saturation)} | ${pct(v.largeRatio)} | ≥ 80 % | ${ok(v.large)} |`,
    `| deliveries/s at fan-out ${f0(r.wideFanout)} with bounded lag | ${f0(r.wide.hub.msgs.bounded)} | bare: ${f0(r.wide.bare.msgs.bounded)} | ${pct(v.largeBoundedRatio)} | (same, stricter) | |`,
    `| deliveries/s at fan-out ${r.fanout} (saturation) | ${atLeast(r.fan.hub.msgs.reached)}${f0(r.fan.hub.msgs.saturation)} | bare broadcast ceiling: ${atLeast(r.fan.bare.msgs.reached)}${f0(r.fan.bare.msgs.saturation)} | ${pct(v.largeRatio100)} | stricter check: ≥ 80 % here too | ${check(v.large100)} |`,
    `| deliveries/s at fan-out ${r.fanout} with bounded lag | ${f0(r.fan.hub.msgs.bounded)} | bare: ${f0(r.fan.bare.msgs.bounded)} | ${pct(v.largeBoundedRatio100)} | (same, stricter) | |`,
    "",
    ...arrangementTable(r),
    `Raw NOTIFY (no hub; one round trip \`BEGIN; INSERT INTO bench_notify_log DEFAULT VALUES; SELECT pg_notify(...); COMMIT\`, one LISTEN connection): ${f0(r.raw.txPerSec)} tx/s with ${r.raw.writers} writers flat out (p99 at saturation ${f1(r.raw.maxRunLatency.p99)} ms); paced at ${r.raw.pacedRate}/s (achieved ${f0(r.raw.pacedAchieved)}/s): p50 ${f1(r.raw.paced.p50)}, p95 ${f1(r.raw.paced.p95)}, p99 ${f1(r.raw.paced.p99)} ms; ${(r.raw.delivered * 100).toFixed(2)} % delivered. The one-row INSERT makes each commit durable (a WAL flush), as a real change's commit is, so this is the ceiling for committed changes. The same NOTIFY with no write at all commits without a WAL flush: ${f0(r.raw.notifyOnlyTxPerSec)} tx/s (no ceiling for changes; shown for comparison).`,
    "",
    `Write path (reference, no hub running): each of the benchmark's changes through the realtime trigger, outbox insert and NOTIFY, committed flat out. \`UPDATE work_orders SET title = …\`: ${pathRates(r.writePath)}. \`INSERT INTO notifications …\`: ${pathRates(r.notificationPath)}. It is noisy on this shared machine (the disk's flush time varies from run to run), and more connections help little: every NOTIFYing commit takes one cluster-wide lock and holds it through its WAL flush.`,
    "",
    `Small fan-out uses two changes. A notification INSERT (a row for one user, four indexes, the capture trigger) is about as light as the raw NOTIFY transaction (a one-row INSERT), so its sustained rate against that ceiling shows what the relay costs. A work order UPDATE (17 indexes, two BEFORE triggers, the capture trigger) is several times heavier to write, so its rate is bounded by the write itself: with no hub at all it commits ${pct(r.writePath.bestRate / r.raw.txPerSec)} of the raw NOTIFY ceiling here. Both must sustain the target, ≥ ${f0(TARGETS.smallChanges)} changes/s.`,
    "",
    `**Targets and stricter checks.** The targets are the issue's as written: latency at fan-out ${r.fanout} and ${r.cfg.latency.rate} changes/s; ≥ ${f0(TARGETS.smallChanges)} changes/s sustained at small fan-out, a figure the issue derives as half the raw NOTIFY ceiling of its reference machine (2,100 tx/s with 4 writers); ≥ 80 % of the bare broadcast ceiling at large fan-out (${f0(r.wideFanout)} sockets per change here). Two stricter checks are reported beside them: notifications against this run's own raw NOTIFY ceiling (≥ 50 %), and the 80 % at fan-out ${r.fanout}. Both sit at this machine's physical edge (the writers' commits, and each change's database work, share the 2 cores with the clients and the hub) and move by ±10–15 % between runs; docs/realtime.md lists every run.`,
    "",
    ...gaps(r, v),
    "",
    "### Every step",
    "",
    "CPU: machine = busy share of both cores (everything, including other engineers' work); server = the hub or bare-server process, clients = the client processes, postgres = the backends connected to the bench database, writers = the benchmark's own process, which sends the hub's changes (the load generator; the bare server makes its broadcasts itself), each as a share of ONE core (200 % = both cores). Hub-side lag = the hub's `sitesync_relay_lag_seconds` (commit → emit) over the step, as histogram bucket bounds. Rows/read = the hub pump's rows per outbox read over the step (its batching: reads start at least `REALTIME_READ_GAP_MS` apart); backlog reads = the share of its reads after which the read gap was widened: the pump had read back to back at the minimum gap (reading and delivering ≥ 90 % of the wall time over 200 ms) with rows waiting ≥ 25 ms for its previous work, and arrivals had not fallen below 70 % of that rate since (docs/realtime.md); a delivery that other processes stretched in wall time counts only when it left no idle time between reads; held reads = the share of its reads that found committed rows held back behind an older open transaction (they wait for its end: a cause of lag that is not the hub's). CPU server + clients µs/msg = those two processes' CPU per delivered message, the socket side both the hub and the bare broadcast pay; the hub's run adds the database's and the writers' CPU (the change itself: an UPDATE with its triggers and a durable commit). Hub ÷ bare and hub ÷ raw NOTIFY = the hub step's p50 and p99 as multiples of the bare broadcast's at the same rate and fan-out in this run and of raw NOTIFY's paced latency, so a regression shows as a ratio.",
    "",
    "| phase | target /s | achieved /s | delivered msgs/s | p50 ms | p95 ms | p99 ms | hub ÷ bare p50 / p99 | hub ÷ raw NOTIFY p50 / p99 | delivered | hub-side lag p50/p95/p99 ms | rows/read | backlog / held reads | CPU machine | CPU server | CPU clients | CPU postgres (bench db) | CPU writers | CPU server + clients µs/msg | verdict |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...stepRows(`latency: hub, fan-out ${r.fanout}`, [r.latency.hub], "hub", raw),
    ...stepRows(`latency: bare broadcast, fan-out ${r.fanout}`, [r.latency.bare], "server", raw),
    ...r.latencyAlso.flatMap((a) => [
      ...stepRows(`latency: hub, fan-out ${r.fanout}, ${arrangementLabel(a)}`, [a.hub], "hub", raw),
      ...stepRows(`latency: bare broadcast, ${arrangementLabel(a)}`, [a.bare], "server", raw),
    ]),
    ...stepRows(`bare broadcast, fan-out ${r.fanout}`, r.fan.bare.steps, "server", raw),
    ...stepRows(`hub, fan-out ${r.fanout}`, r.fan.hub.steps, "hub", raw),
    ...stepRows(`bare broadcast, fan-out ${f0(r.wideFanout)}`, r.wide.bare.steps, "server", raw),
    ...stepRows(`hub, fan-out ${f0(r.wideFanout)}`, r.wide.hub.steps, "hub", raw),
    ...stepRows("hub, fan-out 1, work order UPDATEs", r.small.steps, "hub", raw),
    ...stepRows("hub, fan-out 1, notification INSERTs", r.smallNotifications.steps, "hub", raw),
    "",
  ];
  return lines.join("\n");
}

/**
 * The run's key figures as one JSON line (`--log FILE`): latency at the target load beside
 * the bare broadcast and raw NOTIFY, the hub's latency at each fan-out 100 step beside the
 * bare broadcast's, and the throughput verdicts, so several runs can be compared.
 */
export function runSummary(r: RelayResults) {
  const v = verdicts(r);
  const l = (x: Summary) => ({ p50: x.p50, p95: x.p95, p99: x.p99 });
  return {
    date: r.machine.date,
    commit: r.machine.commit,
    loadBefore: r.machine.loadBefore,
    quick: r.cfg.quick,
    batch: r.cfg.batch,
    clientProcesses: r.cfg.clientProcesses,
    seconds: Math.round(r.seconds),
    rawNotify: l(r.raw.paced),
    latency: arrangedLatencies(r).map((a) => ({
      batch: a.batch,
      clientProcesses: a.clientProcesses,
      hub: l(a.hub.latency),
      bare: l(a.bare.latency),
      backlogShare: a.hub.hubLag?.backlogShare ?? null,
      cpuMachine: a.hub.cpu.machine,
    })),
    fanout100: r.fan.hub.steps.map((s) => ({
      target: s.target,
      hub: l(s.latency),
      bare: s.bare ? l(s.bare) : null,
      bounded: s.bounded,
      backlogShare: s.hubLag?.backlogShare ?? null,
    })),
    smallChanges: v.smallChanges,
    notificationChanges: v.notificationChanges,
    notificationRatio: v.notificationRatio,
    largeRatio: v.largeRatio,
    largeRatio100: v.largeRatio100,
    fan100BareReached: r.fan.bare.msgs.reached,
    fan1000BareReached: r.wide.bare.msgs.reached,
  };
}

const INTRO = `# Benchmarks

Measured on the shared development machine; each section is generated by its script and
says how it was measured.
`;

/** Replaces (or appends) only the "Realtime relay" section; other sections are untouched. */
/** Replaces the section under `heading` (or appends it) in docs/benchmarks.md. */
export async function writeSection(
  file: string,
  section: string,
  heading = "## Realtime relay",
): Promise<void> {
  let doc: string;
  try {
    doc = await readFile(file, "utf8");
  } catch {
    doc = INTRO;
  }
  const start = doc.indexOf(heading);
  if (start === -1) {
    doc = `${doc.trimEnd()}\n\n${section}`;
  } else {
    const next = doc.indexOf("\n## ", start + 1);
    doc = `${doc.slice(0, start)}${section}${next === -1 ? "" : `\n${doc.slice(next + 1)}`}`;
  }
  await writeFile(file, `${doc.trimEnd()}\n`);
}
