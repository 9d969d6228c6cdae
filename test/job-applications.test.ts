import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { buildOrgWithUser, buildUser, sessionFor } from "./factories.ts";
import { connectClient, startHub, waitFor } from "./helpers/realtime.ts";
import { api } from "./helpers/runtime.ts";

/** The employer's status action on a job application, and the applicant's notification. */
const hub = await startHub();
const db = hub.runtime.serviceDb;
const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
  api(hub.url, method, `/api/v1${path}`, { token, body });

let employer: Awaited<ReturnType<typeof buildOrgWithUser>>;
let applicant: { id: string; token: string };

beforeAll(async () => {
  employer = await buildOrgWithUser(db, "manager");
  const user = await buildUser(db, { organizationId: null, role: "guest" });
  applicant = { id: user.id, token: (await sessionFor(db, user)).token };
});

async function application(title = "Lift technician") {
  return db.oneFirst(sql.type(z.object({ id: z.string() }))`
    WITH listing AS (
      INSERT INTO job_listings (organization_id, posted_by, title, slug, description,
                                employment_type, trade, status)
      VALUES (${employer.orgId}, ${employer.userId}, ${title}, ${`slug-${Math.random()}`},
              'Sydney CBD', 'full_time', 'elevators', 'active')
      RETURNING id)
    INSERT INTO job_applications (job_listing_id, applicant_id)
    SELECT id, ${applicant.id} FROM listing RETURNING id`);
}

const move = (id: string, status: string, token = employer.token, message?: string) =>
  call("POST", `/job-applications/${id}/status`, token, { status, message });

describe("job application status", () => {
  it("moves forward, notifies the applicant (of no organisation) live each time, once", async () => {
    const id = await application("Senior lift technician");
    const client = await connectClient(hub.url, applicant.token);
    const viewed = await move(id, "viewed");
    expect(viewed.status).toBe(200);
    expect(viewed.body).toMatchObject({ id, status: "viewed", applicant_id: applicant.id });
    const shortlisted = await move(id, "shortlisted", employer.token, "We would like to talk");
    expect(shortlisted.body.status).toBe("shortlisted");
    await waitFor(
      () => client.events.filter((e) => e.type === "notification.created").length === 2,
    );
    const list = await call("GET", "/notifications", applicant.token);
    expect(list.body.data.map((n: { title: string }) => n.title)).toEqual([
      "Your application for Senior lift technician is shortlisted",
      "Your application for Senior lift technician was viewed",
    ]);
    expect(list.body.data[0]).toMatchObject({
      notification_type: "job_application_status_changed",
      message: "We would like to talk",
      link_type: "job_application",
      link_id: id,
    });
    const audit = await db.anyFirst(sql.type(z.object({ action: z.string() }))`
      SELECT event_data->>'action' AS action FROM audit_events WHERE entity_id = ${id}`);
    expect(audit).toEqual(["job_application_status_changed", "job_application_status_changed"]);
  });

  it("refuses going back, leaving a final status, and anyone but the employer's staff", async () => {
    const id = await application();
    expect((await move(id, "interviewing")).status).toBe(200);
    expect((await move(id, "viewed")).status).toBe(409);
    expect((await move(id, "interviewing")).status).toBe(409);
    expect((await move(id, "rejected")).status).toBe(200);
    expect((await move(id, "offered")).status).toBe(409);
    // The applicant cannot move their own application (no permission, and not the employer).
    expect((await move(await application(), "hired", applicant.token)).status).toBe(403);
    const other = await buildOrgWithUser(db, "manager");
    expect((await move(await application(), "viewed", other.token)).status).toBe(404);
    const technician = await buildUser(db, { organizationId: employer.orgId, role: "technician" });
    const techToken = (await sessionFor(db, technician)).token;
    expect((await move(await application(), "viewed", techToken)).status).toBe(403);
    expect((await move(id, "withdrawn")).status).toBe(400);
    const notes = await db.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM notifications WHERE link_id = ${id}`);
    expect(notes).toBe(2);
  });
});
