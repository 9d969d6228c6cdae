import { sql } from "slonik";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { enqueueNow } from "../server/jobs/queues.ts";
import { dispatchHealth, recomputeHealth } from "../workers/handlers/health.ts";
import { elevatorHealth, siteHealth } from "../workers/health/score.ts";
import { startWorkers } from "../workers/start.ts";
import { buildElevator, buildOrgWithUser, buildSite } from "./factories.ts";
import { jobContext, jobRuntime, waitForJob } from "./helpers/jobs.ts";

/**
 * Site and elevator health scores on a small known history, against real Postgres (the
 * recompute runs as sitesync_app under the organisation's RLS context) and real BullMQ.
 */
const { runtime, queues, db } = await jobRuntime();

/** The moment scored; the history is placed relative to it. */
const AT = "2026-06-15T12:00:00.000Z";
const daysBefore = (n: number) => new Date(Date.parse(AT) - n * 86_400_000).toISOString();
const dateBefore = (n: number) => daysBefore(n).slice(0, 10);

const ctx = () => jobContext(runtime);

type Lift = { orgId: string; siteId: string; elevatorId: string; userId: string };

async function workOrder(
  lift: Lift,
  w: {
    type: "breakdown" | "callback" | "preventive";
    status: string;
    reportedDaysAgo: number;
    completedDaysAgo?: number;
    faultCode?: string;
  },
) {
  await db.query(sql.unsafe`
    INSERT INTO work_orders (organization_id, site_id, elevator_id, created_by, type, status,
                             title, fault_code, reported_at, completed_at)
    VALUES (${lift.orgId}, ${lift.siteId}, ${lift.elevatorId}, ${lift.userId}, ${w.type},
            ${w.status}, 'Lift fault', ${w.faultCode ?? null}, ${daysBefore(w.reportedDaysAgo)},
            ${w.completedDaysAgo === undefined ? null : daysBefore(w.completedDaysAgo)})`);
}

/**
 * One site, two lifts in service and a decommissioned one:
 * - A: operational, 5 years old, passed its inspection; compliance 2 of 3 in order (one
 *   item overdue; its own next inspection is ahead); a breakdown 101 days ago (fixed the
 *   day after, never called back), a breakdown 61 days ago fixed 60 days ago and called
 *   back 50 days ago (fault E-42 both times), the callback fixed 45 days ago.
 * - B: degraded, 30 years old, never inspected, a breakdown reported 5 days ago, open.
 */
async function knownSite() {
  const o = await buildOrgWithUser(db, "owner");
  const siteId = (await buildSite(db, o.orgId, { name: "Known history" })).id;
  const a = (await buildElevator(db, o.orgId, siteId, { unit_number: "A" })).id;
  const b = (await buildElevator(db, o.orgId, siteId, { unit_number: "B" })).id;
  const gone = (await buildElevator(db, o.orgId, siteId, { unit_number: "Z" })).id;
  await db.query(sql.unsafe`
    UPDATE elevators SET installation_date = ${dateBefore(5 * 365)}, last_inspection_result = 'passed',
                         next_inspection_due = ${dateBefore(-60)}
     WHERE id = ${a}`);
  await db.query(sql.unsafe`
    UPDATE elevators SET status = 'degraded', installation_date = ${dateBefore(Math.round(30 * 365.25))}
     WHERE id = ${b}`);
  await db.query(sql.unsafe`UPDATE elevators SET status = 'decommissioned' WHERE id = ${gone}`);
  const requirement = await db.oneFirst(sql.type(z.object({ id: z.string() }))`
    INSERT INTO compliance_requirements (jurisdiction_country, equipment_type, requirement_type, name)
    VALUES ('Australia', 'elevator', 'test', 'Load test') RETURNING id`);
  await db.query(sql.unsafe`
    INSERT INTO compliance_tracking (organization_id, elevator_id, requirement_id, next_due_date, status)
    VALUES (${o.orgId}, ${a}, ${requirement}, ${dateBefore(-100)}, 'compliant'),
           (${o.orgId}, ${a}, ${requirement}, ${dateBefore(10)}, 'overdue'),
           (${o.orgId}, ${a}, ${requirement}, ${dateBefore(10)}, 'exempt')`);
  const liftA = { orgId: o.orgId, siteId, elevatorId: a, userId: o.userId };
  const liftB = { ...liftA, elevatorId: b };
  await workOrder(liftA, {
    type: "breakdown",
    status: "completed",
    reportedDaysAgo: 101,
    completedDaysAgo: 100,
  });
  await workOrder(liftA, {
    type: "breakdown",
    status: "invoiced",
    reportedDaysAgo: 61,
    completedDaysAgo: 60,
    faultCode: "E-42",
  });
  await workOrder(liftA, {
    type: "callback",
    status: "completed",
    reportedDaysAgo: 50,
    completedDaysAgo: 45,
    faultCode: "E-42",
  });
  await workOrder(liftA, {
    type: "preventive",
    status: "completed",
    reportedDaysAgo: 20,
    completedDaysAgo: 20,
  });
  await workOrder(liftA, { type: "breakdown", status: "cancelled", reportedDaysAgo: 3 });
  await workOrder(liftB, { type: "breakdown", status: "pending", reportedDaysAgo: 5 });
  return { orgId: o.orgId, siteId, a, b, gone };
}

const Score = z.object({ health_score: z.number().nullable() });
const elevatorScore = (id: string) =>
  db.oneFirst(sql.type(Score)`SELECT health_score FROM elevators WHERE id = ${id}`);
const History = z.object({
  score: z.number(),
  equipment_condition_score: z.number(),
  maintenance_compliance_score: z.number(),
  incident_frequency_score: z.number(),
  first_time_fix_score: z.number(),
  predictive_risk_score: z.number(),
  components: z.record(z.string(), z.unknown()),
});
const historyOf = (siteId: string) =>
  db.any(sql.type(History)`
    SELECT score, equipment_condition_score, maintenance_compliance_score,
           incident_frequency_score, first_time_fix_score, predictive_risk_score, components
      FROM health_score_history WHERE site_id = ${siteId} ORDER BY recorded_at`);
const siteRow = (siteId: string) =>
  db.one(
    sql.type(
      z.object({
        health_score: z.number().nullable(),
        health_score_components: z.record(z.string(), z.unknown()),
      }),
    )`SELECT health_score, health_score_components FROM sites WHERE id = ${siteId}`,
  );

/** The expected state of knownSite() scored at AT (worked out by hand in the comments). */
async function expectKnownScores(k: Awaited<ReturnType<typeof knownSite>>) {
  // A: condition 100; compliance 2/3 = 66.7; incidents 3 in a year = 70; first-time
  // fixes 2 of 3 settled = 66.7; risk: E-42 twice in 90 days (15) + 2 incidents in 90
  // days against 1 in the 275 before (rising, 20) = 65. Weighted: 75.4.
  expect(await elevatorScore(k.a)).toBe(75);
  // B: condition 0.5*50 + 0.25*(100-3*20) + 0.25*70 = 52.5; compliance 100; incidents 90;
  // first-time fix 100 (no fixes); risk: one open (20) + over 25 years (10) = 70. 81.6.
  expect(await elevatorScore(k.b)).toBe(82);
  expect(await elevatorScore(k.gone)).toBeNull();
  const history = await historyOf(k.siteId);
  expect(history).toHaveLength(1);
  expect(history[0]).toMatchObject({
    score: 79,
    equipment_condition_score: 76,
    maintenance_compliance_score: 83,
    incident_frequency_score: 80,
    first_time_fix_score: 83,
    predictive_risk_score: 68,
  });
  expect(history[0]?.components.as_of).toBe("2026-06-15");
  const lifts = history[0]?.components.elevators as { unit_number: string; score: number }[];
  expect(lifts.map((l) => [l.unit_number, l.score])).toEqual([
    ["A", 75],
    ["B", 82],
  ]);
  const site = await siteRow(k.siteId);
  expect(site.health_score).toBe(79);
  expect(site.health_score_components).toMatchObject({
    equipment_condition: 76,
    maintenance_compliance: 83,
    incident_frequency: 80,
    first_time_fix: 83,
    predictive_risk: 68,
    elevators: 2,
  });
}

describe("health score formulas", () => {
  const healthy = {
    status: "operational",
    age_years: 3,
    last_inspection_result: "Passed",
    compliance_items: 0,
    compliance_ok: 0,
    incidents_365: 0,
    incidents_90: 0,
    incidents_prev_275: 0,
    open_incidents: 0,
    repeated_fault_codes_90: 0,
    fixes_settled: 0,
    first_time_fixes: 0,
  };

  it("a new lift with no history scores 100 on every component", () => {
    expect(elevatorHealth(healthy)).toEqual({
      score: 100,
      components: {
        equipment_condition: 100,
        maintenance_compliance: 100,
        incident_frequency: 100,
        first_time_fix: 100,
        predictive_risk: 100,
      },
    });
  });

  it("each component moves on its own facts, within 0..100", () => {
    const worst = elevatorHealth({
      ...healthy,
      status: "out_of_service",
      age_years: 60,
      last_inspection_result: "FAILED",
      compliance_items: 4,
      compliance_ok: 0,
      incidents_365: 14,
      incidents_90: 9,
      open_incidents: 3,
      repeated_fault_codes_90: 4,
      fixes_settled: 5,
      first_time_fixes: 0,
    });
    expect(worst.components).toEqual({
      equipment_condition: 15, // 0.5*10 + 0.25*20 + 0.25*20
      maintenance_compliance: 0,
      incident_frequency: 0,
      first_time_fix: 0,
      predictive_risk: 0,
    });
    expect(worst.score).toBe(4);
    expect(siteHealth([])).toBeNull();
  });
});

describe("health.recompute", () => {
  it("scores each lift and the site from the known history and records the day", async () => {
    const k = await knownSite();
    const result = await recomputeHealth({ organization_id: k.orgId, at: AT }, ctx());
    expect(result).toEqual({ sites: 1, elevators: 2 });
    await expectKnownScores(k);
  });

  it("run twice gives the same result: one history row for the day, nothing rewritten", async () => {
    const k = await knownSite();
    await recomputeHealth({ organization_id: k.orgId, at: AT }, ctx());
    const stamp = () =>
      db.oneFirst(sql.type(z.object({ t: z.string() }))`
        SELECT health_score_updated_at::text AS t FROM elevators WHERE id = ${k.a}`);
    const before = await stamp();
    await recomputeHealth({ organization_id: k.orgId, at: AT }, ctx());
    expect(await stamp()).toBe(before);
    await expectKnownScores(k);
    // The same day later on, after a change: that day's row is replaced, not added.
    await db.query(sql.unsafe`UPDATE elevators SET status = 'operational' WHERE id = ${k.b}`);
    await recomputeHealth({ organization_id: k.orgId, at: "2026-06-15T18:00:00Z" }, ctx());
    expect(await historyOf(k.siteId)).toHaveLength(1);
    expect(await elevatorScore(k.b)).toBeGreaterThan(82);
    // The next day is a new row.
    await recomputeHealth({ organization_id: k.orgId, at: "2026-06-16T12:00:00Z" }, ctx());
    expect(await historyOf(k.siteId)).toHaveLength(2);
  });

  it("a job that crashed between two sites is retried by BullMQ to the same result", async () => {
    const k = await knownSite();
    const second = await buildSite(db, k.orgId, { name: "Second" });
    const lift = await buildElevator(db, k.orgId, second.id);
    let crashes = 0;
    const workers = await startWorkers(runtime, {
      schedules: [],
      relay: false,
      handlers: {
        "health.recompute": (p, c) =>
          recomputeHealth(p, c, {
            afterSite: async () => {
              if (c.attempt === 1) {
                crashes++;
                throw new Error("worker lost its database after the first site");
              }
            },
          }),
      },
    });
    try {
      const id = await enqueueNow(queues, "health.recompute", { organization_id: k.orgId, at: AT });
      await waitForJob(queues, "maintenance", id);
      expect((await queues.get("maintenance").getJob(id))?.attemptsMade).toBe(2);
    } finally {
      await workers.close(0);
    }
    expect(crashes).toBe(1);
    await expectKnownScores(k);
    expect(await historyOf(second.id)).toHaveLength(1);
    // Operational, age and inspection unknown (70 each): condition 85, the rest 100.
    expect(await elevatorScore(lift.id)).toBe(96);
  });

  it("stays inside its organisation (RLS): another organisation's sites are untouched", async () => {
    const k = await knownSite();
    const other = await knownSite();
    await recomputeHealth({ organization_id: k.orgId, at: AT }, ctx());
    expect(await elevatorScore(other.a)).toBeNull();
    expect(await historyOf(other.siteId)).toHaveLength(0);
    expect((await siteRow(other.siteId)).health_score).toBeNull();
  });

  it("the daily dispatcher queues one recompute per organisation, all at the same moment", async () => {
    const k = await knownSite();
    const { queued } = await dispatchHealth({ at: AT }, ctx());
    const rows = await db.any(sql.type(z.object({ payload: z.record(z.string(), z.unknown()) }))`
      SELECT payload FROM job_outbox WHERE job_name = 'health.recompute'`);
    expect(rows).toHaveLength(queued);
    expect(rows.map((r) => r.payload)).toContainEqual({ organization_id: k.orgId, at: AT });
    expect(new Set(rows.map((r) => r.payload.at))).toEqual(new Set([AT]));
    await db.query(sql.unsafe`DELETE FROM job_outbox`);
  });
});
