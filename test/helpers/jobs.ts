import { afterAll } from "vitest";
import { createQueues, type Queues } from "../../server/jobs/queues.ts";
import { logger } from "../../server/logger.ts";
import type { Runtime } from "../../server/runtime.ts";
import type { QueueName } from "../../shared/jobs.ts";
import type { JobContext } from "../../workers/handlers/context.ts";
import { sleep } from "./realtime.ts";
import { testRuntime } from "./runtime.ts";

/**
 * A test file's runtime (testRuntime: RLS app pool, service pool, Redis) and BullMQ
 * queues on its Redis, both closed after the file. `db` is the service pool, for fixtures.
 */
export async function jobRuntime(): Promise<{
  runtime: Runtime;
  queues: Queues;
  db: Runtime["serviceDb"];
}> {
  const runtime = await testRuntime();
  const queues = await createQueues(runtime.env);
  afterAll(() => queues.close());
  return { runtime, queues, db: runtime.serviceDb };
}

/** What a worker hands a handler, for calling a handler directly (first attempt). */
export function jobContext(runtime: Runtime, signal = new AbortController().signal): JobContext {
  return { runtime, signal, jobId: "test", attempt: 1, log: logger };
}

/** Waits until the BullMQ job is in `wanted` state; fails with the state it is in. */
export async function waitForJob(
  queues: Queues,
  queue: QueueName,
  id: string,
  wanted = "completed",
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let state = "";
  while (Date.now() < deadline) {
    state = String(await (await queues.get(queue).getJob(id))?.getState());
    if (state === wanted) return;
    await sleep(50);
  }
  throw new Error(`job ${id} is ${state}, expected ${wanted}`);
}
