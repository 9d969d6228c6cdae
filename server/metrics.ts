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

export const queueDepth = new Gauge({
  name: "sitesync_queue_depth",
  help: "Jobs waiting per BullMQ queue",
  labelNames: ["queue"] as const,
  registers: [registry],
});
