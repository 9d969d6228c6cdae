import { sql } from "slonik";
import { beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { rollupTechnicianPeriod } from "../server/db/technician-metrics.ts";
import { withTenant } from "../server/db/tenant-context.ts";
import { enqueueNow } from "../server/jobs/queues.ts";
import { monthPeriods, rollupTechnicianMetrics } from "../workers/handlers/technician-metrics.ts";
import { startWorkers } from "../workers/start.ts";
import {
  buildContractor,
  buildElevator,
  buildOrgWithUser,
  buildSite,
  buildUser,
} from "./factories.ts";
import { jobContext, jobRuntime, waitForJob } from "./helpers/jobs.ts";

/**
 * First-time fixes and technician metrics on a known history spread over two
 * organisations, against real Postgres and real BullMQ.
 */
const { runtime, queues, db } = await jobRuntime();
const AT = "2026-06-15T12:00:00.000Z";

// Percentiles rank every profile: each test starts from no work and no profiles.
beforeEach(async () => {
  await db.query(sql.unsafe`
    TRUNCATE work_orders, technician_metrics_history, knowledge_contributions, contractors,
             technician_profiles CASCADE`);
});

const ctx = () => jobContext(runtime);
const Id = z.object({ id: z.string() });

/**
 * Technician T works for two organisations (a contractor row in each, linked to T's
 * user); O is a colleague contractor of the first. Lifts E1..E5 of one site, and one
 * site of the second organisation. With AT = 15 June 2026:
 * - e (E1): breakdown fixed by T on 1 Mar; a callback on E1 35 days later (fixed by O):
 *   e is first-time (the callback came after 30 days).
 * - a (E2): fixed by T 10 Apr, 60 minutes on site: first-time.
 * - b (E3): fixed by T 20 Apr, 120 minutes on site; a callback on E3 15 days later (fixed
 *   by O on 6 May): b is not first-time.
 * - f (E4): fixed by T 1 May; a callback on another lift (E5) 9 days later: first-time.
 * - g (E5): fixed by T 15 May; a cancelled callback on E5 5 days later: first-time.
 * - d (E1): fixed by T 10 Jun: not settled yet (its 30 days run until 10 Jul).
 * - p: a preventive visit by T for the second organisation on 20 May: a job, not a fix.
 */
async function knownHistory() {
  const one = await buildOrgWithUser(db, "owner");
  const two = await buildOrgWithUser(db, "owner");
  const tech = await buildUser(db, { organizationId: null, role: "user" });
  const colleague = await buildUser(db, { organizationId: one.orgId, role: "technician" });
  const profile = async (userId: string) =>
    db.oneFirst(sql.type(Id)`
      INSERT INTO technician_profiles (user_id) VALUES (${userId}) RETURNING id`);
  const techProfile = await profile(tech.id);
  const colleagueProfile = await profile(colleague.id);
  const contractor = async (orgId: string, userId: string) => {
    const c = await buildContractor(db, orgId);
    await db.query(sql.unsafe`UPDATE contractors SET user_id = ${userId} WHERE id = ${c.id}`);
    return c.id;
  };
  const t1 = await contractor(one.orgId, tech.id);
  const t2 = await contractor(two.orgId, tech.id);
  const o1 = await contractor(one.orgId, colleague.id);
  const site = (await buildSite(db, one.orgId)).id;
  const site2 = (await buildSite(db, two.orgId)).id;
  const lift: Record<string, string> = {};
  for (const e of ["E1", "E2", "E3", "E4", "E5"]) {
    lift[e] = (await buildElevator(db, one.orgId, site, { unit_number: e })).id;
  }
  const lift2 = (await buildElevator(db, two.orgId, site2)).id;

  const wo = async (w: {
    org?: string;
    site?: string;
    elevator: string;
    type: string;
    status: string;
    contractor?: string;
    reported: string;
    completed?: string;
    start?: string;
    end?: string;
  }) =>
    db.oneFirst(sql.type(Id)`
      INSERT INTO work_orders (organization_id, site_id, elevator_id, created_by, type, status,
                               title, assigned_contractor_id, reported_at, completed_at,
                               actual_start, actual_end)
      VALUES (${w.org ?? one.orgId}, ${w.site ?? site}, ${w.elevator}, ${one.userId}, ${w.type},
              ${w.status}, 'Job', ${w.contractor ?? null}, ${w.reported}, ${w.completed ?? null},
              ${w.start ?? null}, ${w.end ?? null})
      RETURNING id`);
  const ids = {
    e: await wo({
      elevator: lift.E1!,
      type: "breakdown",
      status: "completed",
      contractor: t1,
      reported: "2026-03-01T08:00Z",
      completed: "2026-03-01T12:00Z",
    }),
    eCallback: await wo({
      elevator: lift.E1!,
      type: "callback",
      status: "completed",
      contractor: o1,
      reported: "2026-04-05T12:00Z",
      completed: "2026-04-06T12:00Z",
    }),
    a: await wo({
      elevator: lift.E2!,
      type: "breakdown",
      status: "invoiced",
      contractor: t1,
      reported: "2026-04-10T08:00Z",
      completed: "2026-04-10T10:00Z",
      start: "2026-04-10T09:00Z",
      end: "2026-04-10T10:00Z",
    }),
    b: await wo({
      elevator: lift.E3!,
      type: "breakdown",
      status: "completed",
      contractor: t1,
      reported: "2026-04-20T08:00Z",
      completed: "2026-04-20T12:00Z",
      start: "2026-04-20T10:00Z",
      end: "2026-04-20T12:00Z",
    }),
    bCallback: await wo({
      elevator: lift.E3!,
      type: "callback",
      status: "completed",
      contractor: o1,
      reported: "2026-05-05T12:00Z",
      completed: "2026-05-06T12:00Z",
    }),
    f: await wo({
      elevator: lift.E4!,
      type: "breakdown",
      status: "completed",
      contractor: t1,
      reported: "2026-05-01T08:00Z",
      completed: "2026-05-01T12:00Z",
    }),
    otherLiftCallback: await wo({
      elevator: lift.E5!,
      type: "callback",
      status: "pending",
      reported: "2026-05-10T12:00Z",
    }),
    g: await wo({
      elevator: lift.E5!,
      type: "breakdown",
      status: "completed",
      contractor: t1,
      reported: "2026-05-15T08:00Z",
      completed: "2026-05-15T12:00Z",
    }),
    cancelledCallback: await wo({
      elevator: lift.E5!,
      type: "callback",
      status: "cancelled",
      reported: "2026-05-20T12:00Z",
    }),
    d: await wo({
      elevator: lift.E1!,
      type: "breakdown",
      status: "completed",
      contractor: t1,
      reported: "2026-06-10T08:00Z",
      completed: "2026-06-10T12:00Z",
    }),
    p: await wo({
      org: two.orgId,
      site: site2,
      elevator: lift2,
      type: "preventive",
      status: "completed",
      contractor: t2,
      reported: "2026-05-20T08:00Z",
      completed: "2026-05-20T12:00Z",
    }),
    // Not verified work: still in progress.
    open: await wo({
      elevator: lift.E2!,
      type: "breakdown",
      status: "in_progress",
      contractor: t1,
      reported: "2026-06-12T08:00Z",
    }),
  };
  // Two approved contributions (May, June) and a draft.
  for (const [status, published] of [
    ["approved", "2026-05-03T00:00Z"],
    ["approved", "2026-06-01T00:00Z"],
    ["draft", null],
  ] as const) {
    await db.query(sql.unsafe`
      INSERT INTO knowledge_contributions (author_id, author_profile_id, contribution_type, title, content, status, published_at)
      VALUES (${tech.id}, ${techProfile}, 'solution', 'Door reset', 'Reset the door operator', ${status}, ${published})`);
  }
  return { techProfile, colleagueProfile, ids, orgOne: one.orgId };
}

const Fix = z.object({ work_order_id: z.string(), called_back: z.boolean(), settled: z.boolean() });

const MetricsRow = z.object({
  period_start: z.string(),
  period_end: z.string(),
  jobs_completed: z.number(),
  first_time_fix_rate: z.string().nullable(),
  average_resolution_time_minutes: z.number().nullable(),
  callbacks: z.number(),
  contributions_made: z.number(),
  expertise_score: z.number(),
});
const historyOf = (profileId: string) =>
  db.any(sql.type(MetricsRow)`
    SELECT period_start, period_end, jobs_completed, first_time_fix_rate,
           average_resolution_time_minutes, callbacks, contributions_made, expertise_score
      FROM technician_metrics_history WHERE technician_profile_id = ${profileId}
     ORDER BY period_start`);
const Profile = z.object({
  total_jobs_completed: z.number(),
  first_time_fix_rate: z.string().nullable(),
  average_resolution_time_minutes: z.number().nullable(),
  buildings_served: z.number(),
  contributions_count: z.number(),
  expertise_score: z.number(),
  expertise_percentile: z.number().nullable(),
});
const profileOf = (id: string) =>
  db.one(sql.type(Profile)`
    SELECT total_jobs_completed, first_time_fix_rate, average_resolution_time_minutes,
           buildings_served, contributions_count, expertise_score, expertise_percentile
      FROM technician_profiles WHERE id = ${id}`);

async function expectKnownMetrics(h: Awaited<ReturnType<typeof knownHistory>>) {
  expect(await historyOf(h.techProfile)).toEqual([
    {
      // a and b; b was called back. Expertise from everything up to 30 April: 3 jobs,
      // 2 of 3 settled fixes first-time, no contributions: 50*2/3 + 30*3/250 = 33.7.
      period_start: "2026-04-01",
      period_end: "2026-04-30",
      jobs_completed: 2,
      first_time_fix_rate: "50.00",
      average_resolution_time_minutes: 90,
      callbacks: 1,
      contributions_made: 0,
      expertise_score: 34,
    },
    {
      // f, g and p; one contribution. Up to 31 May: 6 jobs, 4 of 5 first-time, 1
      // contribution: 40 + 0.72 + 0.8 = 41.5.
      period_start: "2026-05-01",
      period_end: "2026-05-31",
      jobs_completed: 3,
      first_time_fix_rate: "100.00",
      average_resolution_time_minutes: null,
      callbacks: 0,
      contributions_made: 1,
      expertise_score: 42,
    },
    {
      // d, not settled yet: no rate. Up to 30 June: 7 jobs, 2 contributions: 42.4.
      period_start: "2026-06-01",
      period_end: "2026-06-30",
      jobs_completed: 1,
      first_time_fix_rate: null,
      average_resolution_time_minutes: null,
      callbacks: 0,
      contributions_made: 1,
      expertise_score: 42,
    },
  ]);
  expect(await profileOf(h.techProfile)).toEqual({
    total_jobs_completed: 7,
    first_time_fix_rate: "80.00",
    average_resolution_time_minutes: 90,
    buildings_served: 2,
    contributions_count: 2,
    expertise_score: 42,
    // The colleague's two first-time callbacks score 50: they rank first of two.
    expertise_percentile: 100,
  });
  expect(await profileOf(h.colleagueProfile)).toMatchObject({
    total_jobs_completed: 2,
    first_time_fix_rate: "100.00",
    expertise_score: 50,
    expertise_percentile: 50,
  });
}

describe("first-time fixes", () => {
  it("a fix is first-time when no callback on that lift follows it within 30 days", async () => {
    const h = await knownHistory();
    const fixes = await db.any(sql.type(Fix)`
      SELECT work_order_id, called_back, settled FROM work_order_fixes(${AT}::timestamptz)
       WHERE organization_id = ${h.orgOne}`);
    const byId = new Map(fixes.map((f) => [f.work_order_id, f]));
    const fix = (id: string) => {
      const f = byId.get(id);
      return f ? { called_back: f.called_back, settled: f.settled } : null;
    };
    expect(fix(h.ids.e)).toEqual({ called_back: false, settled: true }); // 35 days later
    expect(fix(h.ids.a)).toEqual({ called_back: false, settled: true });
    expect(fix(h.ids.b)).toEqual({ called_back: true, settled: true }); // 15 days later
    expect(fix(h.ids.f)).toEqual({ called_back: false, settled: true }); // another lift
    expect(fix(h.ids.g)).toEqual({ called_back: false, settled: true }); // cancelled
    expect(fix(h.ids.d)).toEqual({ called_back: false, settled: false }); // 5 days ago
    expect(fix(h.ids.eCallback)).toEqual({ called_back: false, settled: true });
    // Not fixes: open work, preventive visits, unfinished callbacks.
    expect(fix(h.ids.open)).toBeNull();
    expect(fix(h.ids.otherLiftCallback)).toBeNull();
    // Judged before the callback came, b was still first-time (and not yet settled).
    const early = await db.one(sql.type(Fix)`
      SELECT work_order_id, called_back, settled
        FROM work_order_fixes('2026-05-01T00:00Z') WHERE work_order_id = ${h.ids.b}`);
    expect(early).toMatchObject({ called_back: false, settled: false });
  });
});

describe("technicians.rollup-metrics", () => {
  it("rolls up each month and the profile from verified work in every organisation", async () => {
    const h = await knownHistory();
    expect(monthPeriods(new Date(AT), 3).map((p) => p.start)).toEqual([
      "2026-06-01",
      "2026-05-01",
      "2026-04-01",
    ]);
    const first = await rollupTechnicianMetrics({ months: 3, at: AT }, ctx());
    expect(first.history_rows).toBe(5); // 3 months of T, April and May of the colleague
    await expectKnownMetrics(h);

    // Run twice: the same rows, nothing rewritten.
    const second = await rollupTechnicianMetrics({ months: 3, at: AT }, ctx());
    expect(second).toEqual({ history_rows: 0, profiles: 0 });
    await expectKnownMetrics(h);
  });

  it("a job that crashed after one period is retried by BullMQ to the same result", async () => {
    const h = await knownHistory();
    const workers = await startWorkers(runtime, {
      schedules: [],
      relay: false,
      handlers: {
        "technicians.rollup-metrics": async (p, c) => {
          if (c.attempt === 1) {
            // The first period was written; then the process lost its database.
            await rollupTechnicianPeriod(db, "2026-06-01", "2026-06-30", AT);
            throw new Error("crashed after the first period");
          }
          return rollupTechnicianMetrics(p, c);
        },
      },
    });
    try {
      const id = await enqueueNow(queues, "technicians.rollup-metrics", { months: 3, at: AT });
      await waitForJob(queues, "maintenance", id);
      expect((await queues.get("maintenance").getJob(id))?.attemptsMade).toBe(2);
    } finally {
      await workers.close(0);
    }
    await expectKnownMetrics(h);
  });

  it("requests cannot write a technician's metrics, only read them", async () => {
    const h = await knownHistory();
    await rollupTechnicianMetrics({ months: 3, at: AT }, ctx());
    const tech = await db.oneFirst(sql.type(z.object({ id: z.string() }))`
      SELECT user_id AS id FROM technician_profiles WHERE id = ${h.techProfile}`);
    await expect(
      withTenant(runtime.db, { organizationId: null, userId: tech }, (tx) =>
        tx.query(sql.unsafe`UPDATE technician_metrics_history SET expertise_score = 100`),
      ),
    ).resolves.toMatchObject({ rowCount: 0 });
    const mine = await withTenant(runtime.db, { organizationId: null, userId: tech }, (tx) =>
      tx.anyFirst(sql.type(z.object({ n: z.number() }))`
        SELECT expertise_score AS n FROM technician_metrics_history
         WHERE technician_profile_id = ${h.techProfile} ORDER BY period_start`),
    );
    expect(mine).toEqual([34, 42, 42]);
  });
});
