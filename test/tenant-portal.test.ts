import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Envelope, EnvelopeOf } from "../shared/realtime/envelope.ts";
import { topicName } from "../shared/realtime/topics.ts";
import { tokenIn } from "./helpers/mailbox.ts";
import { connected, emitAck, rawSocket, startHub, waitFor } from "./helpers/realtime.ts";
import { registerOwner } from "./helpers/register.ts";
import { api } from "./helpers/runtime.ts";

/**
 * The tenant portal end to end (docs/tenant-portal.md), over real HTTP, real sockets, real
 * SMTP, Postgres under RLS and Redis: the site organisation invites two tenants of one
 * building as portal users; one opens a request and watches it go from open to resolved
 * live while staff acknowledge it, convert it and work the linked work order through the
 * API; the other tenant sees none of it, on any route or topic.
 */
const hub = await startHub();
const PASSWORD = "tenant-portal-pass-1";

type Portal = { token: string; userId: string; tenantId: string; email: string };
let staff: Awaited<ReturnType<typeof registerOwner>>;
let stranger: Awaited<ReturnType<typeof registerOwner>>;
let siteId: string;
let elevatorId: string;
let a: Portal;
let b: Portal;

const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
  api(hub.url, method, `/api/v1${path}`, { token, body });

async function ok(res: { status: number; body: any }, status = 200): Promise<any> {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

/** Staff invite the tenant's contact; the contact accepts from the e-mailed link. */
async function invitePortal(tenantName: string): Promise<Portal> {
  const tenant = await ok(
    await call("POST", "/tenants", staff.token, {
      site_id: siteId,
      name: tenantName,
      primary_contact_name: "Pat Lee",
      primary_contact_email: "pat@example.com.au",
    }),
    201,
  );
  const email = `portal-${tenant.id.slice(0, 8)}@example.test`;
  const invited = await ok(
    await call("POST", `/tenants/${tenant.id}/invite`, staff.token, { email, first_name: "Pat" }),
    201,
  );
  expect(invited.tenant).toMatchObject({ portal_enabled: true, portal_user_id: invited.user.id });
  expect(invited.user).toMatchObject({ role: "tenant", organization_id: null, email });
  const mail = await hub.mailbox.waitFor(email);
  expect(mail.subject).toBe(`Your tenant portal for ${tenantName} on SiteSync`);
  const accepted = await ok(
    await call("POST", "/auth/accept-invite", undefined, {
      token: tokenIn(mail),
      password: PASSWORD,
    }),
  );
  return { token: accepted.access_token, userId: invited.user.id, tenantId: tenant.id, email };
}

/** A socket subscribed to the topics, collecting what it receives. */
async function watcher(token: string, topics: string[]) {
  const socket = rawSocket(hub.url, { token });
  await connected(socket);
  for (const topic of topics) {
    const ack = await emitAck(socket, "subscribe", { topic });
    expect(ack, topic).toMatchObject({ ok: true });
  }
  return socket;
}

type RequestUpdated = EnvelopeOf<"service_request.updated">;
type WorkOrderUpdated = EnvelopeOf<"work_order.updated">;
const requestUpdates = (events: Envelope[], id: string) =>
  events.filter(
    (e): e is RequestUpdated => e.type === "service_request.updated" && e.entity.id === id,
  );
const statusesOf = (events: Envelope[], id: string) =>
  requestUpdates(events, id)
    .filter((e) => e.changes.includes("status"))
    .map((e) => e.data.status);

beforeAll(async () => {
  staff = await registerOwner(hub);
  stranger = await registerOwner(hub);
  siteId = (await ok(await call("POST", "/sites", staff.token, { name: "Harbour Tower" }), 201)).id;
  elevatorId = (
    await ok(
      await call("POST", "/elevators", staff.token, { site_id: siteId, unit_number: "L1" }),
      201,
    )
  ).id;
  a = await invitePortal("Level 5 Legal Pty Ltd");
  b = await invitePortal("Harbour Cafe Pty Ltd");
}, 60_000);

describe("tenant portal, end to end", () => {
  let requestId: string;
  let workOrderId: string;
  let tenantA: Awaited<ReturnType<typeof watcher>>;
  let tenantB: Awaited<ReturnType<typeof watcher>>;

  it("a tenant watches their request go from open to resolved while staff work the linked work order through the API", async () => {
    const board = await watcher(staff.token, [topicName("site", siteId)]);
    const dispatch = await watcher(staff.token, [topicName("org", staff.orgId)]);
    tenantA = await watcher(a.token, [topicName("tenant", a.tenantId)]);
    tenantB = await watcher(b.token, [topicName("tenant", b.tenantId)]);

    // The tenant names a lift of its site, as the portal shows them.
    const lifts = await ok(await call("GET", `/tenants/${a.tenantId}/elevators`, a.token));
    expect(lifts.data).toEqual([{ id: elevatorId, unit_number: "L1", status: "operational" }]);
    const created = await ok(
      await call("POST", "/service-requests", a.token, {
        tenant_id: a.tenantId,
        request_type: "issue_report",
        subject: "Lift L1 doors keep reopening",
        description: "Since this morning, level 5.",
        elevator_id: elevatorId,
      }),
      201,
    );
    requestId = created.id;
    expect(created).toMatchObject({
      site_id: siteId,
      tenant_id: a.tenantId,
      status: "open",
      priority: "normal",
      assigned_work_order_id: null,
    });
    expect(
      (await emitAck(tenantA, "subscribe", { topic: topicName("service_request", requestId) })).ok,
    ).toBe(true);

    // It appears live on the site organisation's board.
    for (const socket of [board, dispatch]) {
      await waitFor(
        () =>
          socket.events.some(
            (e) => e.type === "service_request.created" && e.entity.id === requestId,
          ),
        5_000,
        "service_request.created on the board",
      );
    }
    expect(board.events.find((e) => e.entity.id === requestId)?.topic).toBe(
      topicName("site", siteId),
    );
    expect(dispatch.events.find((e) => e.entity.id === requestId)).toMatchObject({
      topic: topicName("org", staff.orgId),
      organization_id: staff.orgId,
      actor_id: a.userId,
    });

    // Staff acknowledge and assess it, then convert it into a work order.
    await ok(
      await call("POST", `/service-requests/${requestId}/acknowledge`, staff.token, {
        priority: "high",
      }),
    );
    const converted = await ok(
      await call("POST", `/service-requests/${requestId}/convert`, staff.token, {
        type: "breakdown",
      }),
      201,
    );
    workOrderId = converted.work_order.id;
    expect(converted.work_order).toMatchObject({
      site_id: siteId,
      elevator_id: elevatorId,
      status: "pending",
      priority: "high",
      title: "Lift L1 doors keep reopening",
      reported_by_name: "Pat Lee",
    });
    expect(converted.service_request).toMatchObject({
      status: "acknowledged",
      assigned_work_order_id: workOrderId,
    });
    // The tenant may now watch the work order itself, as much of it as tenants see.
    expect(
      (await emitAck(tenantA, "subscribe", { topic: topicName("work_order", workOrderId) })).ok,
    ).toBe(true);

    // Staff work the work order; its transitions drive the request.
    const transition = (to: string, extra: Record<string, unknown> = {}) =>
      call("POST", `/work-orders/${workOrderId}/transition`, staff.token, { to, ...extra });
    await ok(await transition("scheduled"));
    await ok(await transition("in_progress"));
    await ok(
      await transition("completed", {
        reason: "Door operator belt replaced",
        tenant_note: "Fixed: the door sensor was replaced. Thanks for reporting it.",
      }),
    );

    await waitFor(
      () => statusesOf(tenantA.events, requestId).includes("resolved"),
      5_000,
      "the request resolved on the tenant's socket",
    );
    // Every status the request went through reached the tenant, in order, once.
    expect(statusesOf(tenantA.events, requestId)).toEqual([
      "acknowledged",
      "in_progress",
      "resolved",
    ]);
    const resolved = requestUpdates(tenantA.events, requestId).at(-1)!;
    // Named after the event's first topic the socket is in (it is in both).
    expect(resolved.topic).toBe(topicName("service_request", requestId));
    expect(resolved.data).toMatchObject({
      status: "resolved",
      resolution_notes: "Fixed: the door sensor was replaced. Thanks for reporting it.",
      assigned_work_order_id: workOrderId,
    });
    expect(Date.parse(String(resolved.data.resolved_at))).toBeGreaterThan(
      Date.parse(created.created_at),
    );
    // The work order reached the tenant restricted to status and schedule.
    const woEvents = tenantA.events.filter(
      (e): e is WorkOrderUpdated => e.type === "work_order.updated",
    );
    expect(woEvents.map((e) => e.data.status)).toEqual(["scheduled", "in_progress", "completed"]);
    for (const e of woEvents) {
      expect(e.actor_id).toBeNull();
      expect(Object.keys(e.data)).not.toContain("labor_cost");
      expect(Object.keys(e.data)).not.toContain("resolution_notes");
    }

    // Each step reached the tenant as a notification too (its own user: room), linking to
    // the request, never to the work order.
    const told = () =>
      tenantA.events.filter(
        (e): e is EnvelopeOf<"notification.created"> => e.type === "notification.created",
      );
    await waitFor(() => told().length === 4, 5_000, "four notifications");
    expect(told().map((e) => e.data.title)).toEqual([
      'Your request "Lift L1 doors keep reopening" was received by the building',
      'Your request "Lift L1 doors keep reopening": the work is scheduled',
      'Your request "Lift L1 doors keep reopening": the work has started',
      'Your request "Lift L1 doors keep reopening": the work is complete',
    ]);
    for (const e of told()) {
      expect(e.topic).toBe(topicName("user", a.userId));
      expect(e.data).toMatchObject({
        notification_type: "service_request_updated",
        link_type: "service_request",
        link_id: requestId,
        link_url: `/service-requests/${requestId}`,
      });
    }
    expect(told().at(-1)?.data.message).toBe(
      "Fixed: the door sensor was replaced. Thanks for reporting it.",
    );

    // After resolution the tenant rates it, once; staff see the rating live.
    const rated = await ok(
      await call("POST", `/service-requests/${requestId}/feedback`, a.token, {
        satisfaction_rating: 5,
        feedback_text: "Quick and polite.",
      }),
    );
    expect(rated).toMatchObject({ satisfaction_rating: 5, feedback_text: "Quick and polite." });
    const again = await call("POST", `/service-requests/${requestId}/feedback`, a.token, {
      satisfaction_rating: 1,
    });
    expect(again.status).toBe(409);
    await waitFor(
      () => requestUpdates(board.events, requestId).some((e) => e.data.satisfaction_rating === 5),
      5_000,
      "the rating on the board",
    );

    // The organisation's audit trail holds the tenant's own actions, and every step.
    const trail = await hub.runtime.serviceDb.any(sql.type(
      z.object({
        organization_id: z.string().nullable(),
        actor_id: z.string(),
        action: z.string().nullable(),
      }),
    )`SELECT organization_id, actor_id, event_data->>'action' AS action FROM audit_events
       WHERE entity_id = ${requestId} ORDER BY chain_seq`);
    expect(trail.map((e) => e.action)).toEqual([
      "service_request_created",
      "service_request_acknowledged",
      "service_request_converted",
      "service_request_status_changed",
      "service_request_status_changed",
      "service_request_rated",
    ]);
    expect(new Set(trail.map((e) => e.organization_id))).toEqual(new Set([staff.orgId]));
    expect(trail[0]?.actor_id).toBe(a.userId);
  });

  it("a second tenant on the same site sees none of it", async () => {
    // Nothing of tenant A's request or its work order reached B's socket.
    expect(tenantB.events).toEqual([]);
    // Not one of the topics it travelled on admits B.
    for (const topic of [
      topicName("service_request", requestId),
      topicName("tenant", a.tenantId),
      topicName("work_order", workOrderId),
      topicName("site", siteId),
      topicName("elevator", elevatorId),
    ]) {
      const ack = await emitAck(tenantB, "subscribe", { topic });
      expect(ack, topic).toMatchObject({ ok: false, error: { code: "not_found" } });
    }
    expect((await emitAck(tenantB, "subscribe", { topic: topicName("org", staff.orgId) })).ok).toBe(
      false,
    );
    // Nor any route: the request and tenant are 404, lists hold only B's own.
    for (const path of [
      `/service-requests/${requestId}`,
      `/tenants/${a.tenantId}`,
      `/tenants/${a.tenantId}/elevators`,
    ]) {
      expect((await call("GET", path, b.token)).status, path).toBe(404);
    }
    const requests = await ok(
      await call("GET", `/service-requests?tenant_id=${a.tenantId}`, b.token),
    );
    expect(requests.data).toEqual([]);
    const tenants = await ok(await call("GET", "/tenants", b.token));
    expect(tenants.data.map((t: { id: string }) => t.id)).toEqual([b.tenantId]);
    // Writing as A's tenant, or rating A's request, is refused the same way.
    const asA = await call("POST", "/service-requests", b.token, {
      tenant_id: a.tenantId,
      request_type: "inquiry",
      subject: "Pretending",
    });
    expect(asA.status).toBe(422);
    const rate = await call("POST", `/service-requests/${requestId}/feedback`, b.token, {
      satisfaction_rating: 1,
    });
    expect(rate.status).toBe(404);
    // The rest of the organisation is not theirs at all.
    for (const path of ["/sites", "/elevators", "/work-orders", "/users", "/dispatch-board"]) {
      expect((await call("GET", path, b.token)).status, path).toBe(403);
    }
    const me = await ok(await call("GET", "/me", b.token));
    expect(me).toMatchObject({ role: "tenant", organization: null });
  });

  it("portal users cannot do staff's part, staff cannot rate, and another organisation sees nothing", async () => {
    const open = await ok(
      await call("POST", "/service-requests", a.token, {
        tenant_id: a.tenantId,
        request_type: "access_request",
        subject: "After-hours access on Saturday",
      }),
      201,
    );
    for (const action of ["acknowledge", "resolve", "close", "convert", "priority"]) {
      const res = await call("POST", `/service-requests/${open.id}/${action}`, a.token, {});
      expect(res.status, action).toBe(403);
    }
    // Staff resolve it without a work order; only the tenant rates it.
    await ok(
      await call("POST", `/service-requests/${open.id}/resolve`, staff.token, {
        resolution_notes: "Security will let you in at 8 am.",
      }),
    );
    const byStaff = await call("POST", `/service-requests/${open.id}/feedback`, staff.token, {
      satisfaction_rating: 5,
    });
    expect(byStaff.status).toBe(403);
    for (const path of [`/service-requests/${open.id}`, `/tenants/${a.tenantId}`]) {
      expect((await call("GET", path, stranger.token)).status).toBe(404);
    }
    const invite = await call("POST", `/tenants/${a.tenantId}/invite`, stranger.token, {
      email: "intruder@example.test",
    });
    expect(invite.status).toBe(404);
  });

  it("switching the portal off ends the tenant's sockets and takes its rows away", async () => {
    const ended = new Promise<{ reason: string }>((resolve) =>
      tenantA.once("session.ended", resolve),
    );
    await ok(await call("PATCH", `/tenants/${a.tenantId}`, staff.token, { portal_enabled: false }));
    expect((await ended).reason).toBe("access_changed");
    expect((await ok(await call("GET", "/service-requests", a.token))).data).toEqual([]);
    expect((await call("GET", `/tenants/${a.tenantId}`, a.token)).status).toBe(404);
    await ok(await call("PATCH", `/tenants/${a.tenantId}`, staff.token, { portal_enabled: true }));
    expect((await ok(await call("GET", "/service-requests", a.token))).data.length).toBe(2);
  });
});
