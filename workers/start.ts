import { type Job, Worker } from "bullmq";
import { logger } from "../server/logger.ts";
import type { Redis } from "../server/redis.ts";
import type { Runtime } from "../server/runtime.ts";
import { isJobName, JOBS, type JobName, type JobPayload, QUEUES } from "../shared/jobs.ts";
import { ensureAuditPartitions } from "./handlers/ensure-audit-partitions.ts";
import { createQueues, type Queues, queueConnection } from "./queues.ts";

type Handlers = { [N in JobName]: (runtime: Runtime, payload: JobPayload<N>) => Promise<unknown> };

/** Every job in the registry has exactly one handler; the type checker enforces it. */
const HANDLERS: Handlers = {
  "maintenance.ensure-audit-partitions": ensureAuditPartitions,
};

async function process(runtime: Runtime, job: Job): Promise<unknown> {
  if (!isJobName(job.name)) throw new Error(`unknown job ${job.name}`);
  const name: JobName = job.name;
  const payload = JOBS[name].payload.parse(job.data);
  return HANDLERS[name](runtime, payload);
}

export type RunningWorkers = { queues: Queues; close: () => Promise<void> };

/**
 * Starts one BullMQ worker per queue, and schedules the recurring upkeep jobs (an
 * idempotent upsert, so every worker process may do it at boot).
 */
export async function startWorkers(runtime: Runtime): Promise<RunningWorkers> {
  const queues = await createQueues(runtime.env);
  const workers: Worker[] = [];
  const connections: Redis[] = [];
  for (const queue of QUEUES) {
    const connection = await queueConnection(runtime.env);
    connections.push(connection);
    const worker = new Worker(queue, (job) => process(runtime, job), {
      connection,
      prefix: `${runtime.env.REDIS_KEY_PREFIX}:bull`,
      concurrency: 4,
    });
    worker.on("failed", (job, err) =>
      logger.warn({ job: job?.name, id: job?.id, err: err.message }, "job failed"),
    );
    workers.push(worker);
  }
  const maintenance = queues.queues.get("maintenance");
  await maintenance?.upsertJobScheduler(
    "ensure-audit-partitions-daily",
    { pattern: "15 3 * * *" },
    { name: "maintenance.ensure-audit-partitions", data: { months_ahead: 3 } },
  );
  return {
    queues,
    close: async () => {
      for (const w of workers) await w.close();
      for (const c of connections) await c.quit().catch(() => {});
      await queues.close();
    },
  };
}
