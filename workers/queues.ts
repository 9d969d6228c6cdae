import { type JobsOptions, Queue } from "bullmq";
import type { Env } from "../server/env.ts";
import { unavailable } from "../server/errors.ts";
import { createRedis, type Redis } from "../server/redis.ts";
import {
  JOBS,
  type JobName,
  type JobPayloadInput,
  QUEUES,
  type QueueName,
} from "../shared/jobs.ts";

/** Queue defaults in one place: retries with exponential backoff, bounded history. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 2_000 },
  removeOnComplete: { count: 1_000, age: 24 * 3600 },
  removeOnFail: { count: 5_000, age: 7 * 24 * 3600 },
};

/** A dedicated node-redis connection for BullMQ (blocking commands need their own). */
export function queueConnection(env: Env): Promise<Redis> {
  return createRedis(env.REDIS_URL, "bullmq", { offlineQueue: true });
}

export type Queues = {
  queues: Map<QueueName, Queue>;
  close: () => Promise<void>;
};

export async function createQueues(env: Env): Promise<Queues> {
  const connection = await queueConnection(env);
  const queues = new Map<QueueName, Queue>();
  for (const name of QUEUES) {
    queues.set(
      name,
      new Queue(name, {
        connection,
        prefix: `${env.REDIS_KEY_PREFIX}:bull`,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    );
  }
  return {
    queues,
    close: async () => {
      for (const q of queues.values()) await q.close();
      await connection.quit().catch(() => {});
    },
  };
}

/**
 * Validates the payload against the registry and adds the job. Call it after the
 * transaction that caused the job has committed, never inside it. Redis being down is a
 * 503 for the caller, not a hang.
 */
export async function enqueue<N extends JobName>(
  queues: Queues,
  name: N,
  payload: JobPayloadInput<N>,
  options: JobsOptions = {},
): Promise<string> {
  const spec = JOBS[name];
  const data = spec.payload.parse(payload);
  const queue = queues.queues.get(spec.queue);
  if (!queue) throw new Error(`no queue ${spec.queue}`);
  try {
    const job = await queue.add(name, data, options);
    return job.id ?? "";
  } catch {
    throw unavailable("The job queue is unavailable; nothing was queued");
  }
}
