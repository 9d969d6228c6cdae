import { z } from "zod";

/**
 * The job registry: every job name, its queue and its payload schema. Producers
 * (`enqueue`) and handlers (workers/handlers) are typed from this one map, and payloads
 * are validated on both sides, so a malformed job fails loudly instead of half-running.
 */
export const JOBS = {
  "maintenance.ensure-audit-partitions": {
    queue: "maintenance",
    payload: z.strictObject({ months_ahead: z.number().int().min(0).max(24).default(3) }),
  },
} as const;

export type JobName = keyof typeof JOBS;
export type JobPayloadInput<N extends JobName> = z.input<(typeof JOBS)[N]["payload"]>;
export type JobPayload<N extends JobName> = z.output<(typeof JOBS)[N]["payload"]>;
export const QUEUES = [...new Set(Object.values(JOBS).map((j) => j.queue))];
export type QueueName = (typeof JOBS)[JobName]["queue"];

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOBS, name);
}
