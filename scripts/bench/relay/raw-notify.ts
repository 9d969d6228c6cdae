import pg from "pg";
import type { Config } from "./config.ts";
import { benchUrls } from "./db.ts";
import { bucketOf, now, type Summary, summarize } from "./histogram.ts";
import { emptyTimeline, record, sentBetween, totalReceived } from "./timeline.ts";
import { closeWriters, openWriters, runWriters } from "./writers.ts";

export type RawNotifyResult = {
  writers: number;
  /** NOTIFY with a durable commit (a one-row INSERT in the same transaction). */
  txPerSec: number;
  /** NOTIFY alone: no write, so no WAL flush at commit. */
  notifyOnlyTxPerSec: number;
  maxRunLatency: Summary;
  pacedRate: number;
  pacedAchieved: number;
  paced: Summary;
  delivered: number;
};

const CHANNEL = "bench_relay";

/**
 * Physical limit 1: Postgres LISTEN/NOTIFY with no hub. Writers commit
 * `BEGIN; INSERT INTO bench_notify_log DEFAULT VALUES; SELECT pg_notify(...); COMMIT` (one
 * round trip) carrying their send time; one LISTEN connection receives. Flat out for the
 * ceiling, then paced for latency. The one-row INSERT makes the commit durable (a WAL flush),
 * as every real change's commit is; without any write a transaction commits without
 * flushing, which is also measured (`notifyOnlyTxPerSec`) but is no ceiling for changes.
 */
export async function measureRawNotify(cfg: Config): Promise<RawNotifyResult> {
  const listener = new pg.Client({ connectionString: benchUrls.service });
  await listener.connect();
  let timeline = emptyTimeline();
  listener.on("notification", (n) => {
    const received = now();
    const sent = Number(n.payload);
    record(timeline, sent, received, bucketOf(received - sent));
  });
  await listener.query(`LISTEN ${CHANNEL}`);
  const writers = await openWriters(benchUrls.service, cfg.writers);
  const send = (c: pg.Client, _seq: number, stamp: number) =>
    c.query(
      `BEGIN; INSERT INTO bench_notify_log DEFAULT VALUES; SELECT pg_notify('${CHANNEL}', '${stamp}'); COMMIT`,
    );
  const sendNotifyOnly = (c: pg.Client, _seq: number, stamp: number) =>
    c.query(`BEGIN; SELECT pg_notify('${CHANNEL}', '${stamp}'); COMMIT`);
  const drain = async (expected: number) => {
    const until = Date.now() + cfg.maxDrainMs;
    while (totalReceived(timeline) < expected && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    const notifyOnly = await runWriters(
      writers,
      Number.POSITIVE_INFINITY,
      cfg.rawNotify.maxMs,
      sendNotifyOnly,
    );
    await drain(notifyOnly.committed);
    timeline = emptyTimeline();
    const max = await runWriters(writers, Number.POSITIVE_INFINITY, cfg.rawNotify.maxMs, send);
    await drain(max.committed);
    const maxRunLatency = summarize(sentBetween(timeline, max.startedAt, max.endedAt + 1_000));
    const deliveredMax = totalReceived(timeline) / Math.max(1, max.committed);
    timeline = emptyTimeline();
    const paced = await runWriters(writers, cfg.rawNotify.pacedRate, cfg.rawNotify.pacedMs, send);
    await drain(paced.committed);
    const latency = summarize(
      sentBetween(timeline, paced.startedAt + cfg.warmupMs, paced.endedAt + 1_000),
    );
    const delivered = Math.min(
      deliveredMax,
      totalReceived(timeline) / Math.max(1, paced.committed),
    );
    return {
      writers: cfg.writers,
      txPerSec: max.rate,
      notifyOnlyTxPerSec: notifyOnly.rate,
      maxRunLatency,
      pacedRate: cfg.rawNotify.pacedRate,
      pacedAchieved: paced.rate,
      paced: latency,
      delivered,
    };
  } finally {
    await closeWriters(writers);
    await listener.end();
  }
}
