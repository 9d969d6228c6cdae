/**
 * Every count and duration of the relay benchmark, for the full run (~4-5 min) and the
 * `--quick` smoke (~1 min). All bounded: steps stop at the first one that saturates.
 */
export type Config = {
  quick: boolean;
  clientProcesses: number;
  writers: number;
  rawNotify: { maxMs: number; pacedRate: number; pacedMs: number };
  large: { orgs: number; socketsPerOrg: number; usersPerOrg: number };
  small: { sockets: number };
  workOrdersPerOrg: number;
  latency: { rate: number; durationMs: number; warmupMs: number };
  /** Broadcasts (bare) or changes (hub) per second at fan-out 100. */
  fanoutSteps: number[];
  /**
   * The same sockets also watch one of `categories` forum categories (1,000 sockets each at
   * the defaults); forum thread changes there are the large fan-out.
   */
  wide: { categories: number; threadsPerCategory: number; steps: number[] };
  /**
   * Past the listed fan-out steps, while either side's lag is still bounded, the ramp goes
   * on at `growth` × the last rate, at most `extraSteps` times: on a fast day the listed
   * top rate does not saturate the bare broadcast, and a ratio to a ceiling that was never
   * reached says nothing.
   */
  rampExtension: { growth: number; extraSteps: number };
  /** Work order changes per second at small fan-out. */
  smallSteps: number[];
  /**
   * Notifications per second at small fan-out: a one-row INSERT as light as the raw NOTIFY
   * transaction, so it can be offered up to that ceiling.
   */
  notificationSteps: number[];
  stepMs: number;
  warmupMs: number;
  maxDrainMs: number;
  /** "Bounded lag": p99 of the measured window below this, and not growing. */
  boundedP99Ms: number;
};

export function configFor(quick: boolean): Config {
  return {
    quick,
    clientProcesses: 2,
    writers: 4,
    rawNotify: quick
      ? { maxMs: 3_000, pacedRate: 200, pacedMs: 4_000 }
      : { maxMs: 6_000, pacedRate: 200, pacedMs: 10_000 },
    large: { orgs: 20, socketsPerOrg: 100, usersPerOrg: 10 },
    small: { sockets: 10 },
    workOrdersPerOrg: 40,
    latency: { rate: 100, durationMs: quick ? 5_000 : 18_000, warmupMs: quick ? 3_000 : 5_000 },
    fanoutSteps: quick ? [100, 250] : [50, 100, 150, 200, 250, 300, 400, 500],
    wide: {
      categories: 2,
      threadsPerCategory: 20,
      steps: quick ? [20, 40] : [10, 20, 30, 40, 50, 60, 80],
    },
    rampExtension: { growth: 1.25, extraSteps: quick ? 0 : 4 },
    smallSteps: quick ? [500, 1000] : [250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2500],
    notificationSteps: quick ? [1000, 2000] : [500, 1000, 1500, 2000, 2500, 3000, 3500, 4000],
    stepMs: quick ? 4_000 : 7_000,
    warmupMs: quick ? 1_000 : 2_000,
    maxDrainMs: 5_000,
    boundedP99Ms: 250,
  };
}
