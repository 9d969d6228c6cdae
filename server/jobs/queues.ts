import { type JobsOptions, Queue } from "bullmq";
import {
  JOBS,
  type JobName,
  type JobPayloadInput,
  parseJobPayload,
  QUEUES,
  type QueueName,
} from "../../shared/jobs.ts";
import type { Env } from "../env.ts";
import { unavailable } from "../errors.ts";
import { createRedis, type Redis } from "../redis.ts";

/**
 * Queue defaults in one place. Every job is retried with exponential backoff (2 s, 4 s,
 * 8 s, 16 s between its 5 attempts); completed jobs are trimmed; failed jobs are kept for
 * a month so they can be inspected (and retried) on the dashboard at /admin/queues.
 */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 2_000 },
  removeOnComplete: { count: 1_000, age: 24 * 3600 },
  removeOnFail: { count: 10_000, age: 30 * 24 * 3600 },
};

/** Every BullMQ key lives under the deployment's prefix (REDIS_KEY_PREFIX). */
export const queuePrefix = (env: Env) => `${env.REDIS_KEY_PREFIX}:bull`;

/**
 * The one place BullMQ connections are made (queues, workers, the dashboard). Each needs
 * its own client because workers block on it. The offline queue is on, so a worker rides
 * out a Redis blip instead of failing the job.
 */
export function queueConnection(env: Env, name = "bullmq"): Promise<Redis> {
  return createRedis(env, name, { offlineQueue: true });
}

export type Queues = {
  queues: Map<QueueName, Queue>;
  get: (name: QueueName) => Queue;
  close: () => Promise<void>;
};

/** One producer-side Queue per queue name in the registry, sharing one connection. */
export async function createQueues(env: Env): Promise<Queues> {
  const connection = await queueConnection(env, "bullmq-queues");
  const queues = new Map<QueueName, Queue>();
  for (const name of QUEUES) {
    queues.set(
      name,
      new Queue(name, {
        connection,
        prefix: queuePrefix(env),
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    );
  }
  return {
    queues,
    get: (name) => {
      const queue = queues.get(name);
      if (!queue) throw new Error(`no queue ${name}`);
      return queue;
    },
    close: async () => {
      for (const q of queues.values()) await q.close();
      await connection.quit().catch(() => {});
    },
  };
}

/**
 * Adds a job right away, outside any transaction: for schedules, the outbox relay and
 * tests. Work caused by a database change uses enqueueAfterCommit (server/db/job-outbox.ts)
 * instead, so a rollback never leaves a job behind. Redis being down is a 503, not a hang.
 */
export async function enqueueNow<N extends JobName>(
  queues: Queues,
  name: N,
  payload: JobPayloadInput<N>,
  options: JobsOptions = {},
): Promise<string> {
  const data = parseJobPayload(name, payload);
  try {
    const job = await queues.get(JOBS[name].queue).add(name, data, options);
    return job.id ?? "";
  } catch {
    throw unavailable("The job queue is unavailable; nothing was queued");
  }
}
