import type { Queues } from "../server/jobs/queues.ts";
import { JOBS, type JobName, type JobPayloadInput, parseJobPayload } from "../shared/jobs.ts";

/** A repeatable job: `every` (ms) or a cron `pattern` (with an optional IANA timezone). */
export type Schedule = {
  [N in JobName]: {
    id: string;
    job: N;
    data: JobPayloadInput<N>;
    repeat: { every: number } | { pattern: string; tz?: string };
  };
}[JobName];

/**
 * Every fixed recurring job, in one list. Boot upserts each (idempotent, so every worker
 * process may do it) as the BullMQ job scheduler `static:<id>`, and removes `static:`
 * schedulers no longer listed, so deleting a line here stops it. Schedulers made at run
 * time (e.g. one per timezone) use another prefix and are left alone.
 */
export const SCHEDULES: readonly Schedule[] = [
  {
    id: "ensure-audit-partitions-daily",
    job: "maintenance.ensure-audit-partitions",
    data: { months_ahead: 3 },
    repeat: { pattern: "15 3 * * *", tz: "UTC" },
  },
  {
    // Each organisation's reminders run once a day from 07:00 in its own timezone: the
    // dispatcher looks every 15 minutes for organisations whose local day has reached it.
    id: "reminders-dispatch",
    job: "reminders.dispatch",
    data: {},
    repeat: { pattern: "*/15 * * * *", tz: "UTC" },
  },
  {
    id: "prune-realtime-events",
    job: "maintenance.prune-realtime-events",
    data: { batch_size: 10_000 },
    repeat: { every: 10 * 60_000 },
  },
  {
    id: "health-daily",
    job: "health.dispatch",
    data: {},
    repeat: { pattern: "30 2 * * *", tz: "UTC" },
  },
  {
    id: "technician-metrics-daily",
    job: "technicians.rollup-metrics",
    data: { months: 3 },
    repeat: { pattern: "45 2 * * *", tz: "UTC" },
  },
  {
    id: "embeddings-sweep",
    job: "embeddings.sweep",
    data: { batch_size: 100 },
    repeat: { every: 60_000 },
  },
];

export const STATIC_SCHEDULER_PREFIX = "static:";

export async function applySchedules(queues: Queues, schedules = SCHEDULES): Promise<void> {
  const key = (id: string) => `${STATIC_SCHEDULER_PREFIX}${id}`;
  const wanted = new Set(schedules.map((s) => key(s.id)));
  for (const s of schedules) {
    const data = parseJobPayload(s.job, s.data);
    await queues
      .get(JOBS[s.job].queue)
      .upsertJobScheduler(key(s.id), s.repeat, { name: s.job, data });
  }
  for (const queue of queues.queues.values()) {
    for (const existing of await queue.getJobSchedulers()) {
      const id = existing.key ?? existing.id;
      if (id?.startsWith(STATIC_SCHEDULER_PREFIX) && !wanted.has(id)) {
        await queue.removeJobScheduler(id);
      }
    }
  }
}
