import { z } from "zod";

/**
 * The job registry: every job name, its queue, its payload schema and, where a job needs
 * them, options that differ from the queue defaults (server/jobs/queues.ts). Producers
 * (`enqueueAfterCommit`, `enqueueNow`) and handlers (workers/handlers) are typed from this
 * one map, and payloads are validated on both sides, so a malformed job fails loudly
 * instead of half-running. docs/workers.md says how to add a job.
 */
const uuid = z.uuid();

export const JOBS = {
  "maintenance.ensure-audit-partitions": {
    queue: "maintenance",
    payload: z.strictObject({ months_ahead: z.number().int().min(0).max(24).default(3) }),
  },
  /**
   * A synthetic end-to-end check (docs/workers.md): the worker writes one notification to
   * `user_id` titled `canary <probe_id>`, which reaches that user's sockets through the
   * relay. `hold_ms` keeps its transaction open that long first, so a crash can land
   * mid-job (`npm run soak` kills workers that way). Written once per probe, however often
   * the job runs.
   */
  "ops.canary": {
    queue: "maintenance",
    payload: z.strictObject({
      user_id: uuid,
      probe_id: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/),
      hold_ms: z.number().int().min(0).max(10_000).default(0),
    }),
  },
  /**
   * Diagnoses one work order for the user who asked (or whose new work order asked):
   * the handler runs under that user's RLS context. `diagnosis_id` makes it idempotent.
   */
  "diagnosis.run": {
    queue: "diagnosis",
    payload: z.strictObject({
      organization_id: uuid,
      work_order_id: uuid,
      diagnosis_id: uuid,
      requested_by: uuid,
    }),
  },
  /** Embeds rows whose content changed since they were last embedded (all tenants). */
  "embeddings.sweep": {
    queue: "embeddings",
    payload: z.strictObject({ batch_size: z.number().int().min(1).max(500).default(100) }),
  },
  /**
   * Sends notifications beyond in-app (e-mail, push, SMS) per their users' preferences,
   * each channel once (server/notifications/deliver.ts). Queued by notify() after commit.
   */
  "notifications.deliver": {
    queue: "notifications",
    payload: z.strictObject({ notification_ids: z.array(uuid).min(1).max(500) }),
  },
  /**
   * Every 15 minutes (workers/schedules.ts): queues today's reminders once for each
   * organisation (and organisation-less user with a certificate to remind of) whose local
   * time has passed 07:00. `at` stands in for now (tests).
   */
  "reminders.dispatch": {
    queue: "reminders",
    payload: z.strictObject({ at: z.iso.datetime({ offset: true }).optional() }),
  },
  /** One organisation's reminders for its local day `local_date` (docs/workers.md). */
  "reminders.organization": {
    queue: "reminders",
    payload: z.strictObject({ organization_id: uuid, local_date: z.iso.date() }),
  },
  /** Certificate reminders of a user who belongs to no organisation, for their local day. */
  "reminders.user": {
    queue: "reminders",
    payload: z.strictObject({ user_id: uuid, local_date: z.iso.date() }),
  },
  /**
   * Deletes realtime events older than the retention (REALTIME_RETENTION_HOURS unless
   * given) in batches, raising the replay floor with each batch.
   */
  "maintenance.prune-realtime-events": {
    queue: "maintenance",
    payload: z.strictObject({
      retention_hours: z
        .number()
        .positive()
        .max(24 * 365)
        .optional(),
      batch_size: z.number().int().min(1).max(100_000).default(10_000),
    }),
  },
  /** Daily: queues health.recompute for every organisation, all judged at the same `at`. */
  "health.dispatch": {
    queue: "maintenance",
    payload: z.strictObject({ at: z.iso.datetime({ offset: true }).optional() }),
  },
  /** Recomputes one organisation's site and elevator health scores as at `at`. */
  "health.recompute": {
    queue: "maintenance",
    payload: z.strictObject({
      organization_id: uuid,
      at: z.iso.datetime({ offset: true }),
    }),
  },
  /**
   * Rolls up technician_metrics_history for the last `months` calendar months (UTC) and the
   * technician profiles' all-time metrics, judged at `at` (default now).
   */
  "technicians.rollup-metrics": {
    queue: "maintenance",
    payload: z.strictObject({
      months: z.number().int().min(1).max(24).default(3),
      at: z.iso.datetime({ offset: true }).optional(),
    }),
  },
} as const satisfies Record<string, { queue: string; payload: z.ZodType }>;

export type JobName = keyof typeof JOBS;
export type JobPayloadInput<N extends JobName> = z.input<(typeof JOBS)[N]["payload"]>;
export type JobPayload<N extends JobName> = z.output<(typeof JOBS)[N]["payload"]>;
export type QueueName = (typeof JOBS)[JobName]["queue"];
export const QUEUES: QueueName[] = [...new Set(Object.values(JOBS).map((j) => j.queue))];

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOBS, name);
}

/** Parses a payload for `name`; throws a ZodError naming the bad field. */
export function parseJobPayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  // The registry's entry for N is the schema for JobPayload<N>; TS cannot follow the index.
  return JOBS[name].payload.parse(data) as JobPayload<N>;
}
