import type { Logger } from "pino";
import type { Runtime } from "../../server/runtime.ts";
import type { JobName, JobPayload } from "../../shared/jobs.ts";

/**
 * What a handler gets besides its payload. `signal` aborts when the worker shuts down
 * past its grace period: a long handler checks it between steps (before it commits) and
 * the job goes back to the queue instead of failing.
 */
export type JobContext = {
  runtime: Runtime;
  signal: AbortSignal;
  jobId: string;
  /** 1 on the first run, 2 on the first retry... */
  attempt: number;
  log: Logger;
};

export type JobHandler<N extends JobName> = (
  payload: JobPayload<N>,
  ctx: JobContext,
) => Promise<unknown>;

export type Handlers = { [N in JobName]: JobHandler<N> };
