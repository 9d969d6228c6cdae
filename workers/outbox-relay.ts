import type { JobsOptions } from "bullmq";
import { type OutboxJobRow, relayOutboxBatch } from "../server/db/job-outbox.ts";
import type { Queues } from "../server/jobs/queues.ts";
import { logger } from "../server/logger.ts";
import { RealtimeListener } from "../server/realtime/listener.ts";
import type { Runtime } from "../server/runtime.ts";
import { isJobName, JOBS, type JobName, parseJobPayload, type QueueName } from "../shared/jobs.ts";

const log = logger.child({ component: "outbox-relay" });
const BATCH = 100;

export type OutboxRelay = {
  /** Moves everything committed so far; resolves with how many rows were moved. */
  drain: () => Promise<number>;
  close: () => Promise<void>;
};

type Prepared = { queue: QueueName; name: JobName; data: unknown; opts: JobsOptions };

/**
 * A row the running code cannot run (unknown name, bad payload, a payload naming another
 * organisation than the transaction that queued it) is logged and dropped rather than
 * blocking the rows behind it. Deploy workers before producers that use a new job.
 */
function prepare(row: OutboxJobRow): Prepared | null {
  if (!isJobName(row.job_name)) {
    log.error({ id: row.id, job: row.job_name }, "outbox job has an unknown name; dropped");
    return null;
  }
  const name: JobName = row.job_name;
  try {
    const data = parseJobPayload(name, row.payload);
    const org = (data as { organization_id?: unknown }).organization_id;
    if (row.organization_id && org !== undefined && org !== row.organization_id) {
      throw new Error("payload organization_id differs from the queuing organisation");
    }
    // The same outbox row always becomes the same BullMQ job: a re-add after a crash is a no-op.
    const opts: JobsOptions = { ...row.options, jobId: `outbox-${row.id}` };
    return { queue: JOBS[name].queue, name, data, opts };
  } catch (err) {
    log.error({ id: row.id, job: name, err: (err as Error).message }, "outbox job dropped");
    return null;
  }
}

async function move(queues: Queues, rows: readonly OutboxJobRow[]): Promise<void> {
  const byQueue = new Map<QueueName, Prepared[]>();
  for (const row of rows) {
    const p = prepare(row);
    if (p) byQueue.set(p.queue, [...(byQueue.get(p.queue) ?? []), p]);
  }
  for (const [queue, jobs] of byQueue) {
    await queues
      .get(queue)
      .addBulk(jobs.map((j) => ({ name: j.name, data: j.data, opts: j.opts })));
  }
}

/**
 * Moves committed outbox rows (migrations/0070) to BullMQ. Woken by NOTIFY at each commit
 * that queued a job, after every (re)connect of its LISTEN connection, and by a poll every
 * `pollMs` as a backstop (e.g. while Redis was down). Any number of worker processes may
 * run one: rows are claimed with SKIP LOCKED.
 */
export async function startOutboxRelay(
  runtime: Runtime,
  queues: Queues,
  pollMs = 1_000,
): Promise<OutboxRelay> {
  let running: Promise<number> | null = null;
  let again = false;
  let closed = false;

  const passOnce = async () => {
    let moved = 0;
    for (;;) {
      const n = await relayOutboxBatch(runtime.serviceDb, BATCH, (rows) => move(queues, rows));
      moved += n;
      if (n < BATCH) return moved;
    }
  };
  const drain = (): Promise<number> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      try {
        do {
          again = false;
          total += await passOnce();
        } while (again && !closed);
      } catch (err) {
        log.warn({ err: (err as Error).message }, "outbox relay pass failed; will retry");
      } finally {
        running = null;
      }
      return total;
    })();
    return running;
  };

  const listener = new RealtimeListener(
    runtime.env.LISTEN_DATABASE_URL,
    { sitesync_jobs: () => void drain() },
    () => void drain(),
    "sitesync-job-relay",
  );
  await listener.start();
  const timer = setInterval(() => void drain(), pollMs);
  timer.unref();
  return {
    drain,
    close: async () => {
      closed = true;
      clearInterval(timer);
      await listener.stop();
      await running;
    },
  };
}
