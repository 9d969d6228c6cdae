import { Worker } from "bullmq";
import { createQueues, type Queues, queueConnection, queuePrefix } from "../server/jobs/queues.ts";
import { logger } from "../server/logger.ts";
import { jobsFinished } from "../server/metrics.ts";
import type { Redis } from "../server/redis.ts";
import type { Runtime } from "../server/runtime.ts";
import { QUEUES } from "../shared/jobs.ts";
import type { Handlers } from "./handlers/context.ts";
import { HANDLERS } from "./handlers/index.ts";
import { type OutboxRelay, startOutboxRelay } from "./outbox-relay.ts";
import { processorFor } from "./process.ts";
import { applySchedules, SCHEDULES, type Schedule } from "./schedules.ts";

export type WorkerOptions = {
  /** Replace some handlers (tests). */
  handlers?: Partial<Handlers>;
  concurrency?: number;
  /** How long a job's lock lasts without renewal: a crashed worker's job is retried after it. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  schedules?: readonly Schedule[];
  /** Run the outbox relay in this process (default true). */
  relay?: boolean;
};

export type RunningWorkers = {
  queues: Queues;
  workers: Worker[];
  relay: OutboxRelay | null;
  /**
   * Stops taking jobs and lets in-flight ones finish for WORKER_SHUTDOWN_GRACE_MS; then
   * aborts them, and each aborted job goes back to the queue for another worker.
   */
  close: (graceMs?: number) => Promise<void>;
};

/**
 * Starts one BullMQ worker per queue, the outbox relay, and the schedules. Scale by
 * starting more processes: jobs, relay rows and schedules are shared safely between them.
 */
export async function startWorkers(
  runtime: Runtime,
  options: WorkerOptions = {},
): Promise<RunningWorkers> {
  const { env } = runtime;
  const queues = await createQueues(env);
  const handlers: Handlers = { ...HANDLERS, ...options.handlers };
  const processor = processorFor(runtime, handlers);
  const workers: Worker[] = [];
  const connections: Redis[] = [];
  for (const queue of QUEUES) {
    const connection = await queueConnection(env, `bullmq-worker-${queue}`);
    connections.push(connection);
    const worker = new Worker(queue, processor, {
      connection,
      prefix: queuePrefix(env),
      concurrency: options.concurrency ?? env.WORKER_CONCURRENCY,
      lockDuration: options.lockDurationMs ?? env.WORKER_LOCK_MS,
      stalledInterval: options.stalledIntervalMs ?? env.WORKER_LOCK_MS,
    });
    worker.on("completed", (job) => jobsFinished.inc({ job: job.name, outcome: "completed" }));
    worker.on("failed", (job, err) => {
      jobsFinished.inc({ job: job?.name ?? "unknown", outcome: "failed" });
      logger.warn(
        { job: job?.name, id: job?.id, attempt: job?.attemptsMade, err: err.message },
        "job failed",
      );
    });
    worker.on("error", (err) => logger.warn({ queue, err: err.message }, "worker error"));
    workers.push(worker);
  }
  await applySchedules(queues, options.schedules ?? SCHEDULES);
  const relay = options.relay === false ? null : await startOutboxRelay(runtime, queues);

  return {
    queues,
    workers,
    relay,
    close: async (graceMs = env.WORKER_SHUTDOWN_GRACE_MS) => {
      await relay?.close();
      await Promise.all(
        workers.map(async (worker) => {
          const timer = setTimeout(() => worker.cancelAllJobs("shutdown"), graceMs);
          await worker.close();
          clearTimeout(timer);
        }),
      );
      for (const c of connections) await c.quit().catch(() => {});
      await queues.close();
    },
  };
}
