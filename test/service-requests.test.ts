import { beforeAll, describe, expect, it } from "vitest";
import { tokenIn } from "./helpers/mailbox.ts";
import { registerOwner } from "./helpers/register.ts";
import { api, testServer } from "./helpers/runtime.ts";

/**
 * The domain rules of tenants and service requests over HTTP (docs/tenant-portal.md): each
 * action's status rules, how the linked work order's transitions move the request
 * (cancel, reopen, invoice, a closed request), convert's defaults and refusals, and the
 * portal invitation (replace, resend, duplicates). The plain routes' isolation and bad
 * input are the generated tests'.
 */
const server = await testServer();
const PASSWORD = "tenant-portal-pass-1";
let staff: Awaited<ReturnType<typeof registerOwner>>;
let siteId: string;
let otherSiteId: string;
let elevatorId: string;
let otherElevatorId: string;
let tenantId: string;
let portal: { token: string; userId: string; email: string };

const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
  api(server.url, method, `/api/v1${path}`, { token, body });
async function ok(res: { status: number; body: any }, status = 200): Promise<any> {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}
const problem = async (res: Promise<{ status: number; body: any }>, status: number) => {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
};

const post = (path: string, body?: unknown, token = staff.token) =>
  call("POST", path, token, body ?? {});
const open = async (body: Record<string, unknown> = {}, token = portal.token) =>
  ok(
    await post(
      "/service-requests",
      { tenant_id: tenantId, request_type: "issue_report", subject: "Lift noisy", ...body },
      token,
    ),
    201,
  );
const get = async (id: string) => ok(await call("GET", `/service-requests/${id}`, staff.token));
const transition = async (woId: string, to: string, extra: Record<string, unknown> = {}) =>
  ok(await post(`/work-orders/${woId}/transition`, { to, ...extra }));

async function accept(email: string, which = (_: string) => true) {
  const mail = await server.mailbox.waitFor(email, (m) => which(m.text));
  const res = await ok(
    await call("POST", "/auth/accept-invite", undefined, {
      token: tokenIn(mail),
      password: PASSWORD,
    }),
  );
  return { token: res.access_token as string, link: tokenIn(mail) };
}

beforeAll(async () => {
  staff = await registerOwner(server);
  const site = async (name: string) => (await ok(await post("/sites", { name }), 201)).id as string;
  siteId = await site("Harbour Tower");
  otherSiteId = await site("Bay Plaza");
  const lift = async (site: string, unit: string) =>
    (await ok(await post("/elevators", { site_id: site, unit_number: unit }), 201)).id as string;
  elevatorId = await lift(siteId, "L1");
  otherElevatorId = await lift(otherSiteId, "P1");
  tenantId = (
    await ok(
      await post("/tenants", {
        site_id: siteId,
        name: "Koala Legal",
        primary_contact_name: "Sam Koala",
        primary_contact_phone: "+61 400 000 000",
      }),
      201,
    )
  ).id;
  const email = `sr-portal-${tenantId.slice(0, 8)}@example.test`;
  const invited = await ok(await post(`/tenants/${tenantId}/invite`, { email }), 201);
  portal = { token: (await accept(email)).token, userId: invited.user.id, email };
}, 60_000);

describe("creating a request", () => {
  it("takes the tenant's site, starts open at normal priority, and refuses what is not the tenant's to say", async () => {
    const row = await open({ elevator_id: elevatorId });
    expect(row).toMatchObject({ site_id: siteId, status: "open", priority: "normal" });
    await problem(
      post(
        "/service-requests",
        { tenant_id: tenantId, request_type: "inquiry", subject: "x", status: "resolved" },
        portal.token,
      ),
      400,
    );
    await problem(
      post(
        "/service-requests",
        { tenant_id: tenantId, request_type: "complaint", subject: "x" },
        portal.token,
      ),
      400,
    );
    const other = await problem(
      post(
        "/service-requests",
        {
          tenant_id: tenantId,
          request_type: "issue_report",
          subject: "x",
          elevator_id: otherElevatorId,
        },
        portal.token,
      ),
      422,
    );
    expect(other.detail).toContain("elevator_id");
    // Staff open one on the tenant's behalf; an inactive tenant takes none.
    expect((await open({}, staff.token)).status).toBe("open");
    const gone = await ok(
      await post("/tenants", { site_id: siteId, name: "Gone Pty Ltd", is_active: false }),
      201,
    );
    await problem(
      post("/service-requests", { tenant_id: gone.id, request_type: "inquiry", subject: "x" }),
      422,
    );
  });
});

describe("staff actions", () => {
  it("acknowledge once, set the priority while open, resolve and close by hand", async () => {
    const row = await open({ request_type: "inquiry" });
    const acked = await ok(
      await post(`/service-requests/${row.id}/acknowledge`, { priority: "low" }),
    );
    expect(acked).toMatchObject({ status: "acknowledged", priority: "low" });
    await problem(post(`/service-requests/${row.id}/acknowledge`), 409);
    expect(
      (await ok(await post(`/service-requests/${row.id}/priority`, { priority: "urgent" })))
        .priority,
    ).toBe("urgent");
    await problem(post(`/service-requests/${row.id}/priority`, { priority: "extreme" }), 400);
    // Feedback waits for the resolution.
    await problem(
      post(`/service-requests/${row.id}/feedback`, { satisfaction_rating: 4 }, portal.token),
      409,
    );
    const resolved = await ok(
      await post(`/service-requests/${row.id}/resolve`, {
        resolution_notes: "Monthly, on the first Monday.",
      }),
    );
    expect(resolved).toMatchObject({
      status: "resolved",
      resolution_notes: "Monthly, on the first Monday.",
    });
    expect(resolved.resolved_at).not.toBeNull();
    // Resolving again rewrites the notes and keeps the time.
    const rewritten = await ok(
      await post(`/service-requests/${row.id}/resolve`, {
        resolution_notes: "First Monday, 9 am.",
      }),
    );
    expect(rewritten).toMatchObject({
      resolution_notes: "First Monday, 9 am.",
      resolved_at: resolved.resolved_at,
    });
    await problem(post(`/service-requests/${row.id}/priority`, { priority: "low" }), 409);
    await ok(await post(`/service-requests/${row.id}/close`));
    await problem(post(`/service-requests/${row.id}/close`), 409);
    await problem(post(`/service-requests/${row.id}/resolve`, { resolution_notes: "again" }), 409);
    // Closed requests can still be rated, once.
    await ok(
      await post(`/service-requests/${row.id}/feedback`, { satisfaction_rating: 4 }, portal.token),
    );
    await problem(
      post(`/service-requests/${row.id}/feedback`, { satisfaction_rating: 6 }, portal.token),
      400,
    );
  });

  it("decline an open request by closing it", async () => {
    const row = await open({ request_type: "move_request" });
    const closed = await ok(
      await post(`/service-requests/${row.id}/close`, {
        resolution_notes: "Please book through the strata office.",
      }),
    );
    expect(closed).toMatchObject({
      status: "closed",
      resolution_notes: "Please book through the strata office.",
    });
  });
});

describe("converting into a work order", () => {
  it("needs a lift of the site, defaults from the request, and happens once", async () => {
    const row = await open({ subject: "Car shudders", description: "Between 3 and 4" });
    await problem(post(`/service-requests/${row.id}/convert`), 422);
    await problem(
      post(`/service-requests/${row.id}/convert`, { elevator_id: otherElevatorId }),
      422,
    );
    await ok(await post(`/service-requests/${row.id}/priority`, { priority: "urgent" }));
    const { work_order: wo, service_request: sr } = await ok(
      await post(`/service-requests/${row.id}/convert`, {
        elevator_id: elevatorId,
        due_date: "2030-01-01T00:00:00Z",
      }),
      201,
    );
    expect(wo).toMatchObject({
      type: "breakdown",
      status: "pending",
      priority: "emergency",
      title: "Car shudders",
      description: "Between 3 and 4",
      reported_by_name: "Sam Koala",
      reported_by_phone: "+61 400 000 000",
      reported_at: row.created_at,
    });
    expect(sr).toMatchObject({ status: "acknowledged", assigned_work_order_id: wo.id });
    await problem(post(`/service-requests/${row.id}/convert`, { elevator_id: elevatorId }), 409);
    // While the work order is live, staff cannot resolve or close the request by hand.
    await problem(post(`/service-requests/${row.id}/resolve`, { resolution_notes: "x" }), 409);
    await problem(post(`/service-requests/${row.id}/close`), 409);
  });

  it("is refused without work_orders:write, and to resolved requests", async () => {
    const row = await open({ request_type: "inquiry" });
    const key = await ok(
      await post("/api-keys", { name: "triage", scopes: ["service_requests:manage"] }),
      201,
    );
    const refused = await problem(
      post(`/service-requests/${row.id}/convert`, { elevator_id: elevatorId }, key.key),
      403,
    );
    expect(refused.detail).toContain("work_orders:write");
    expect((await get(row.id)).assigned_work_order_id).toBeNull();
    await ok(await post(`/service-requests/${row.id}/resolve`, { resolution_notes: "Done" }));
    await problem(post(`/service-requests/${row.id}/convert`, { elevator_id: elevatorId }), 409);
  });
});

describe("the linked work order drives the request", () => {
  it("scheduled/on hold → in progress, completed → resolved with the default note, invoiced changes nothing", async () => {
    const row = await open({ elevator_id: elevatorId });
    const { work_order: wo } = await ok(await post(`/service-requests/${row.id}/convert`), 201);
    await transition(wo.id, "scheduled");
    expect((await get(row.id)).status).toBe("in_progress");
    await transition(wo.id, "on_hold");
    expect((await get(row.id)).status).toBe("in_progress");
    await transition(wo.id, "in_progress");
    await transition(wo.id, "completed");
    const resolved = await get(row.id);
    expect(resolved).toMatchObject({
      status: "resolved",
      resolution_notes: `The work has been completed (work order ${wo.work_order_number}).`,
    });
    await transition(wo.id, "invoiced");
    expect(await get(row.id)).toEqual(resolved);
  });

  it("reopening takes it back to in progress and clears the resolution", async () => {
    const row = await open({ elevator_id: elevatorId });
    const { work_order: wo } = await ok(await post(`/service-requests/${row.id}/convert`), 201);
    await transition(wo.id, "in_progress");
    await transition(wo.id, "completed", { tenant_note: "Sorted." });
    expect((await get(row.id)).resolution_notes).toBe("Sorted.");
    await transition(wo.id, "in_progress");
    expect(await get(row.id)).toMatchObject({
      status: "in_progress",
      resolved_at: null,
      resolution_notes: null,
    });
  });

  it("a cancelled work order hands the request back; it may be converted again", async () => {
    const row = await open({ elevator_id: elevatorId });
    const first = (await ok(await post(`/service-requests/${row.id}/convert`), 201)).work_order;
    await transition(first.id, "scheduled");
    await transition(first.id, "cancelled", { reason: "Duplicate" });
    expect(await get(row.id)).toMatchObject({
      status: "acknowledged",
      assigned_work_order_id: first.id,
    });
    const second = (await ok(await post(`/service-requests/${row.id}/convert`), 201)).work_order;
    expect((await get(row.id)).assigned_work_order_id).toBe(second.id);
    // The first one's transitions no longer reach it (it is terminal anyway); the second's do.
    await transition(second.id, "in_progress");
    expect((await get(row.id)).status).toBe("in_progress");
  });

  it("a closed request never moves", async () => {
    const row = await open({ elevator_id: elevatorId });
    const { work_order: wo } = await ok(await post(`/service-requests/${row.id}/convert`), 201);
    await transition(wo.id, "in_progress");
    await transition(wo.id, "completed");
    await ok(await post(`/service-requests/${row.id}/close`));
    await transition(wo.id, "in_progress");
    expect((await get(row.id)).status).toBe("closed");
  });

  it("a transition body's tenant_note is validated like any field", async () => {
    const row = await open({ elevator_id: elevatorId });
    const { work_order: wo } = await ok(await post(`/service-requests/${row.id}/convert`), 201);
    await problem(
      post(`/work-orders/${wo.id}/transition`, { to: "in_progress", tenant_note: "" }),
      400,
    );
    await problem(
      post(`/work-orders/${wo.id}/transition`, {
        to: "in_progress",
        tenant_note: "x".repeat(2001),
      }),
      400,
    );
    expect((await get(row.id)).status).toBe("acknowledged");
  });
});

describe("portal invitations", () => {
  it("resend voids the earlier link; re-inviting replaces the portal user; addresses are unique", async () => {
    const tenant = await ok(
      await post("/tenants", { site_id: siteId, name: "Wombat Physio" }),
      201,
    );
    const email = `first-${tenant.id.slice(0, 8)}@example.test`;
    await ok(await post(`/tenants/${tenant.id}/invite`, { email }), 201);
    const firstMail = await server.mailbox.waitFor(email);
    await ok(await post(`/tenants/${tenant.id}/resend-invite`));
    const second = await server.mailbox.waitFor(email, (m) => tokenIn(m) !== tokenIn(firstMail));
    await problem(
      call("POST", "/auth/accept-invite", undefined, {
        token: tokenIn(firstMail),
        password: PASSWORD,
      }),
      401,
    );
    const first = await ok(
      await call("POST", "/auth/accept-invite", undefined, {
        token: tokenIn(second),
        password: PASSWORD,
      }),
    );
    await problem(post(`/tenants/${tenant.id}/resend-invite`), 409);
    expect((await ok(await call("GET", "/tenants", first.access_token))).data).toHaveLength(1);
    // The same address again, or a member's address, is taken.
    await problem(post(`/tenants/${tenant.id}/invite`, { email }), 409);
    await problem(post(`/tenants/${tenant.id}/invite`, { email: staff.email }), 409);
    // Someone else becomes the portal user: the first one sees nothing any more.
    const next = `next-${tenant.id.slice(0, 8)}@example.test`;
    await ok(await post(`/tenants/${tenant.id}/invite`, { email: next }), 201);
    expect((await ok(await call("GET", "/tenants", first.access_token))).data).toEqual([]);
    const replacement = await accept(next);
    expect((await ok(await call("GET", "/tenants", replacement.token))).data[0].id).toBe(tenant.id);
  });

  it("is staff's: not the portal user's, not for an inactive tenant, and never the tenant role via /users", async () => {
    await problem(
      post(`/tenants/${tenantId}/invite`, { email: "x@example.test" }, portal.token),
      403,
    );
    const gone = await ok(
      await post("/tenants", { site_id: siteId, name: "Left Pty Ltd", is_active: false }),
      201,
    );
    await problem(
      post(`/tenants/${gone.id}/invite`, { email: `gone-${gone.id.slice(0, 8)}@example.test` }),
      409,
    );
    await problem(post(`/tenants/${gone.id}/resend-invite`), 409);
    await problem(call("PATCH", `/tenants/${gone.id}`, staff.token, { portal_enabled: true }), 422);
    await problem(post("/users/invite", { email: "t@example.test", role: "tenant" }), 400);
    await problem(call("PATCH", `/users/${staff.userId}`, staff.token, { role: "tenant" }), 400);
  });
});
