import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** One Prometheus registry per process, served at GET /metrics. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const httpDuration = new Histogram({
  name: "sitesync_http_request_duration_seconds",
  help: "HTTP request latency by route and status",
  labelNames: ["method", "route", "status"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

export const socketsConnected = new Gauge({
  name: "sitesync_sockets_connected",
  help: "Sockets connected to this hub process",
  registers: [registry],
});

export const subscriptionsActive = new Gauge({
  name: "sitesync_subscriptions_active",
  help: "Topic subscriptions held by sockets on this process",
  registers: [registry],
});

export const eventsRelayed = new Counter({
  name: "sitesync_events_relayed_total",
  help: "Database events delivered to sockets by this process",
  labelNames: ["type"] as const,
  registers: [registry],
});

export const relayLag = new Histogram({
  name: "sitesync_relay_lag_seconds",
  help: "Time from the change's commit to its emit to sockets",
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  registers: [registry],
});

/** Reads and rows together show the pump's batching (rows per read; REALTIME_READ_GAP_MS). */
export const outboxReads = new Counter({
  name: "sitesync_outbox_reads_total",
  help: "Outbox reads made by this process's pump",
  registers: [registry],
});

export const outboxRowsRead = new Counter({
  name: "sitesync_outbox_rows_read_total",
  help: "Deliverable outbox rows read by this process's pump",
  registers: [registry],
});

export const outboxBacklogReads = new Counter({
  name: "sitesync_outbox_backlog_reads_total",
  help: "Outbox reads after which the read gap was widened (the pump was saturated: it read back to back at the minimum gap with rows waiting, and arrivals have not fallen since)",
  registers: [registry],
});

/**
 * Reads that found committed rows held back behind an older open transaction (the ordering
 * horizon): those rows wait for that transaction's end. Many of them beside high relay lag
 * point at long transactions, not at the hub.
 */
export const outboxHeldReads = new Counter({
  name: "sitesync_outbox_held_reads_total",
  help: "Outbox reads that found committed rows held back behind an older open transaction",
  registers: [registry],
});

export const listenerReconnects = new Counter({
  name: "sitesync_listener_reconnects_total",
  help: "Times the Postgres LISTEN connection was re-established",
  registers: [registry],
});

export const replays = new Counter({
  name: "sitesync_replays_total",
  help: "Subscribe-with-cursor replays, by outcome",
  labelNames: ["outcome"] as const,
  registers: [registry],
});

/** The states a job waits or fails in; completed jobs are trimmed, so not counted. */
export const QUEUE_STATES = ["waiting", "prioritized", "delayed", "active", "failed"] as const;

/** Something that can count a queue's jobs by state (a BullMQ Queue). */
export type CountableQueue = {
  name: string;
  getJobCounts: (...states: QueueState[]) => Promise<Record<string, number>>;
};
type QueueState = (typeof QUEUE_STATES)[number];
const depthSources = new Set<() => Promise<Iterable<CountableQueue>>>();
const outboxSources = new Set<() => Promise<number>>();

/** A scrape never hangs on Redis or Postgres: what is not there within a second is left out. */
function bounded<T>(p: Promise<T>, ms = 1_000): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  return Promise.race([p.catch(() => null), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Jobs per queue and state, read from Redis at scrape time. The counts are global (every
 * process sharing the Redis prefix reports the same numbers), so aggregate with max, not sum.
 */
export const queueDepth = new Gauge({
  name: "sitesync_queue_depth",
  help: "BullMQ jobs per queue and state (global: aggregate with max, not sum)",
  labelNames: ["queue", "state"] as const,
  registers: [registry],
  async collect() {
    this.reset();
    for (const source of depthSources) {
      const queues = await bounded(source());
      for (const queue of queues ?? []) {
        const counts = await bounded(queue.getJobCounts(...QUEUE_STATES));
        if (!counts) continue;
        for (const state of QUEUE_STATES) {
          this.set({ queue: queue.name, state }, counts[state] ?? 0);
        }
      }
    }
  },
});

export const jobOutboxPending = new Gauge({
  name: "sitesync_job_outbox_pending",
  help: "Committed jobs not yet moved from the job outbox to BullMQ (global)",
  registers: [registry],
  async collect() {
    for (const source of outboxSources) {
      const n = await bounded(source());
      if (n !== null) this.set(n);
    }
  },
});

/** Reports these queues (and the outbox) at /metrics until the returned function is called. */
export function watchQueues(
  queues: () => Promise<Iterable<CountableQueue>>,
  outbox: () => Promise<number>,
): () => void {
  depthSources.add(queues);
  outboxSources.add(outbox);
  return () => {
    depthSources.delete(queues);
    outboxSources.delete(outbox);
  };
}

export const jobsFinished = new Counter({
  name: "sitesync_jobs_finished_total",
  help: "Jobs this process's workers finished, by job name and outcome",
  labelNames: ["job", "outcome"] as const,
  registers: [registry],
});
