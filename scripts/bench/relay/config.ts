/**
 * Every count and duration of the relay benchmark, for the full run (~10 min) and the
 * `--quick` smoke (~2 min). All bounded: steps stop at the first one that saturates.
 */
export type Config = {
  quick: boolean;
  /**
   * The hub's sockets ask for `events` batches (auth.batch, as the typed client does);
   * `--plain` connects them without, so each event is its own packet.
   */
  batch: boolean;
  /** socket.io-client processes sharing the sockets (`--client-processes N`). */
  clientProcesses: number;
  writers: number;
  rawNotify: { maxMs: number; pacedRate: number; pacedMs: number };
  large: { orgs: number; socketsPerOrg: number; usersPerOrg: number };
  small: { sockets: number };
  workOrdersPerOrg: number;
  /**
   * The latency step, the first after the sockets connect: an idle pause, then `warmupMs`
   * unmeasured. `--quick` has neither, so its figures include the first moments after
   * connecting (the 2,000 handshakes' leftover work).
   */
  latency: { rate: number; durationMs: number; warmupMs: number; idleMs: number };
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

/** How the clients connect: batched or plain sockets, in how many client processes. */
export type Arrangement = { batch: boolean; clientProcesses: number };
export type Variant = Arrangement & { quick: boolean };

export const arrangementLabel = (a: Arrangement) =>
  `${a.batch ? "batched" : "plain"} sockets, ${a.clientProcesses} client process${a.clientProcesses === 1 ? "" : "es"}`;

/**
 * `--latency-also plain/1,batched/4`: arrangements whose latency step is measured too, each
 * on fresh connections (so each is again the first step after connecting).
 */
export function parseArrangements(list: string): Arrangement[] {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const m = /^(batched|plain)\/(\d+)$/.exec(item);
      const n = Number(m?.[2]);
      if (!m || !(n >= 1))
        throw new Error(`--latency-also wants items like plain/1 or batched/4, got "${item}"`);
      return { batch: m[1] === "batched", clientProcesses: n };
    });
}

export function configFor({ quick, batch, clientProcesses }: Variant): Config {
  return {
    quick,
    batch,
    clientProcesses,
    writers: 4,
    rawNotify: quick
      ? { maxMs: 3_000, pacedRate: 200, pacedMs: 4_000 }
      : { maxMs: 6_000, pacedRate: 200, pacedMs: 10_000 },
    large: { orgs: 20, socketsPerOrg: 100, usersPerOrg: 10 },
    small: { sockets: 10 },
    workOrdersPerOrg: 40,
    latency: quick
      ? { rate: 100, durationMs: 6_000, warmupMs: 0, idleMs: 0 }
      : { rate: 100, durationMs: 18_000, warmupMs: 5_000, idleMs: 3_000 },
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
