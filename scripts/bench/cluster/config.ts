/**
 * Every count and duration of bench:cluster, for the full run (sized to finish in ~10 min
 * on 2 cores: connecting 10,000 + 4,000 + 5,000 sockets takes a good part of it) and the
 * `--quick` smoke (~1.5 min, a few hundred sockets: the only size to run on a busy shared
 * machine).
 */
export type ClusterBenchConfig = {
  quick: boolean;
  clientProcesses: number;
  orgs: number;
  usersPerOrg: number;
  /** Memory: sockets on one hub, then each subscribes to `extraTopics` more topics. */
  memory: { sockets: number; extraTopics: number; settleMs: number };
  /** Reconnect storm through nginx. */
  storm: { sockets: number; writesPerSec: number; warmMs: number; timeoutMs: number };
  /** bench:relay's latency and fan-out 100 steps, one hub and nginx + 3 hubs. */
  relay: {
    sockets: number;
    latency: { rate: number; durationMs: number; warmupMs: number };
    fanoutSteps: number[];
  };
  /** The dispatch board over REST at `concurrency` requests in flight, for `durationMs`. */
  rest: { concurrency: number; durationMs: number; rounds: number; workOrders: number };
};

export function clusterBenchConfig(quick: boolean): ClusterBenchConfig {
  return {
    quick,
    clientProcesses: 2,
    orgs: 20,
    usersPerOrg: 10,
    memory: quick
      ? { sockets: 300, extraTopics: 2, settleMs: 2_000 }
      : { sockets: 10_000, extraTopics: 2, settleMs: 6_000 },
    storm: quick
      ? { sockets: 200, writesPerSec: 20, warmMs: 2_000, timeoutMs: 30_000 }
      : { sockets: 5_000, writesPerSec: 50, warmMs: 5_000, timeoutMs: 120_000 },
    relay: quick
      ? {
          sockets: 200,
          latency: { rate: 50, durationMs: 3_000, warmupMs: 1_000 },
          fanoutSteps: [50],
        }
      : {
          sockets: 2_000,
          latency: { rate: 100, durationMs: 18_000, warmupMs: 5_000 },
          fanoutSteps: [100, 250, 500, 1000],
        },
    rest: quick
      ? { concurrency: 20, durationMs: 2_000, rounds: 1, workOrders: 200 }
      : { concurrency: 200, durationMs: 15_000, rounds: 2, workOrders: 2_000 },
  };
}
