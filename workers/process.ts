import { type Job, UnrecoverableError, WaitingError } from "bullmq";
import { ZodError } from "zod";
import { logger } from "../server/logger.ts";
import type { Runtime } from "../server/runtime.ts";
import { isJobName, type JobName, parseJobPayload } from "../shared/jobs.ts";
import type { Handlers, JobHandler } from "./handlers/context.ts";

/**
 * BullMQ's processor for every queue: re-validates the payload against the registry, runs
 * the job's handler, and turns a shutdown abort into "back to the queue" (the job waits
 * for the next worker without using up an attempt). A payload that does not validate can
 * never succeed, so it fails at once instead of being retried.
 */
export function processorFor(runtime: Runtime, handlers: Handlers) {
  return async (job: Job, token?: string, signal?: AbortSignal): Promise<unknown> => {
    if (!isJobName(job.name)) throw new UnrecoverableError(`unknown job ${job.name}`);
    const name: JobName = job.name;
    let payload: unknown;
    try {
      payload = parseJobPayload(name, job.data);
    } catch (err) {
      if (err instanceof ZodError) throw new UnrecoverableError(`invalid payload: ${err.message}`);
      throw err;
    }
    const abort = signal ?? new AbortController().signal;
    // The registry types each handler by its own name; one name at a time here.
    const handler = handlers[name] as JobHandler<typeof name>;
    try {
      return await handler(payload as Parameters<typeof handler>[0], {
        runtime,
        signal: abort,
        jobId: job.id ?? "",
        attempt: job.attemptsMade + 1,
        log: logger.child({ job: name, jobId: job.id }),
      });
    } catch (err) {
      if (abort.aborted && token) {
        await job.moveToWait(token);
        throw new WaitingError();
      }
      throw err;
    }
  };
}
