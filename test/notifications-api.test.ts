import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { topicName } from "../shared/realtime/topics.ts";
import { buildContractor, buildUser, buildWorkOrder, sessionFor } from "./factories.ts";
import { pushSubscriptionBody } from "./helpers/http-world.ts";
import { connectClient, startHub, waitFor } from "./helpers/realtime.ts";
import { api } from "./helpers/runtime.ts";
import { type OrgWithLift, orgWithLift } from "./helpers/work-orders.ts";

/**
 * The notification routes, and the work order events that create notifications, over real
 * HTTP and sockets (docs/notifications.md). Delivery beyond in-app is
 * notifications-delivery.test.ts.
 */
const hub = await startHub();
const db = hub.runtime.serviceDb;
const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
  api(hub.url, method, `/api/v1${path}`, { token, body });

let org: OrgWithLift;
let tech: { id: string; token: string };
let contractorId: string;

beforeAll(async () => {
  org = await orgWithLift(db, "manager");
  const user = await buildUser(db, { organizationId: org.orgId, role: "technician" });
  tech = { id: user.id, token: (await sessionFor(db, user)).token };
  contractorId = (await buildContractor(db, org.orgId)).id;
  await db.query(
    sql.unsafe`UPDATE contractors SET user_id = ${tech.id} WHERE id = ${contractorId}`,
  );
});

async function workOrder(fields: { priority?: string; reporter?: string } = {}) {
  const wo = await buildWorkOrder(db, {
    organizationId: org.orgId,
    siteId: org.siteId,
    elevatorId: org.elevatorId,
    createdBy: org.userId,
    priority: fields.priority,
  });
  if (fields.reporter) {
    await db.query(sql.unsafe`
      UPDATE work_orders SET reporter_user_id = ${fields.reporter} WHERE id = ${wo.id}`);
  }
  return wo;
}

describe("work order notifications", () => {
  it("assigning a work order notifies the contractor's user, live; reassigning to the same contractor does not", async () => {
    const client = await connectClient(hub.url, tech.token);
    const wo = await workOrder({ priority: "emergency" });
    const assigned = await call("POST", `/work-orders/${wo.id}/assign`, org.token, {
      contractor_id: contractorId,
    });
    expect(assigned.status).toBe(200);
    await waitFor(() => client.events.some((e) => e.type === "notification.created"));
    const event = client.events.find((e) => e.type === "notification.created")!;
    expect(event).toMatchObject({
      topic: topicName("user", tech.id),
      data: {
        notification_type: "work_order_assigned",
        link_type: "work_order",
        link_id: wo.id,
        link_url: `/work-orders/${wo.id}`,
        is_urgent: true,
      },
    });
    expect(String(event.data.title)).toContain(wo.work_order_number);

    const again = await call("POST", `/work-orders/${wo.id}/assign`, org.token, {
      contractor_id: contractorId,
    });
    expect(again.status).toBe(200);
    const list = await call(
      "GET",
      `/notifications?notification_type=work_order_assigned`,
      tech.token,
    );
    expect(list.body.data.filter((n: { link_id: string }) => n.link_id === wo.id)).toHaveLength(1);
  });

  it("a status change notifies the reporter, unless the reporter made it", async () => {
    const reporter = await buildUser(db, { organizationId: org.orgId, role: "user" });
    const reporterToken = (await sessionFor(db, reporter)).token;
    const wo = await workOrder({ reporter: reporter.id });
    expect(
      (await call("POST", `/work-orders/${wo.id}/transition`, org.token, { to: "scheduled" }))
        .status,
    ).toBe(200);
    const mine = await call("GET", "/notifications", reporterToken);
    expect(mine.body.data).toHaveLength(1);
    expect(mine.body.data[0]).toMatchObject({
      notification_type: "work_order_status_changed",
      link_id: wo.id,
      is_read: false,
    });
    expect(mine.body.data[0].title).toContain("scheduled");
    // The manager reporting their own work order is not told what they just did.
    const own = await workOrder({ reporter: org.userId });
    await call("POST", `/work-orders/${own.id}/transition`, org.token, { to: "scheduled" });
    const managers = await call("GET", "/notifications", org.token);
    expect(managers.body.data.map((n: { link_id: string }) => n.link_id)).not.toContain(own.id);
  });
});

describe("notification routes", () => {
  it("lists, counts and marks read (one, several, all), streaming notification.read", async () => {
    const user = await buildUser(db, { organizationId: org.orgId, role: "technician" });
    const { token } = await sessionFor(db, user);
    const ids = await db.anyFirst(sql.type(z.object({ id: z.string() }))`
      INSERT INTO notifications (user_id, notification_type, title)
      SELECT ${user.id}, 'reminder', 'Reminder ' || g FROM generate_series(1, 5) g RETURNING id`);
    const client = await connectClient(hub.url, token);
    expect((await call("GET", "/notifications/unread-count", token)).body).toEqual({ unread: 5 });

    const one = await call("POST", `/notifications/${ids[0]}/read`, token);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: ids[0], is_read: true });
    expect(one.body.read_at).toBeTruthy();
    const several = await call("POST", "/notifications/read", token, {
      notification_ids: [ids[0], ids[1], ids[2]],
    });
    expect(several.body).toEqual({ updated: 2 });
    expect((await call("GET", "/notifications?is_read=false", token)).body.data).toHaveLength(2);
    expect(
      (await call("POST", "/notifications/read", token, { notification_ids: "all" })).body,
    ).toEqual({ updated: 2 });
    expect((await call("GET", "/notifications/unread-count", token)).body).toEqual({ unread: 0 });
    await waitFor(() => client.events.filter((e) => e.type === "notification.read").length === 5);

    // Someone else's notification is not there for anyone else.
    const other = await call("POST", `/notifications/${ids[0]}/read`, org.token);
    expect(other.status).toBe(404);
    expect((await call("GET", `/notifications/${ids[0]}`, org.token)).status).toBe(404);
  });

  it("is a person's inbox: API keys get 403 and cannot be given the scope", async () => {
    const owner = await buildUser(db, { organizationId: org.orgId, role: "owner" });
    const ownerToken = (await sessionFor(db, owner)).token;
    const key = await call("POST", "/api-keys", ownerToken, { name: "ci", scopes: ["sites:read"] });
    expect(key.status).toBe(201);
    for (const path of ["/notifications", "/notifications/unread-count", "/push-subscriptions"]) {
      expect((await call("GET", path, key.body.key)).status).toBe(403);
    }
    const scoped = await call("POST", "/api-keys", ownerToken, {
      name: "inbox",
      scopes: ["notifications:read"],
    });
    expect(scoped.status).toBe(400);
  });
});

describe("push subscriptions and preferences", () => {
  it("registers a device once per endpoint, lists and forgets it; only push service hosts", async () => {
    const body = pushSubscriptionBody();
    const first = await call("POST", "/push-subscriptions", tech.token, body);
    expect(first.status).toBe(201);
    const again = await call("POST", "/push-subscriptions", tech.token, body);
    expect(again.body.id).toBe(first.body.id);
    expect((await call("GET", "/push-subscriptions", tech.token)).body.data).toHaveLength(1);
    expect(first.body).not.toHaveProperty("p256dh");

    const internal = { ...body, endpoint: "https://169.254.169.254/latest/meta-data" };
    expect((await call("POST", "/push-subscriptions", tech.token, internal)).status).toBe(422);
    const plain = { ...body, endpoint: "http://fcm.googleapis.com/fcm/send/x" };
    expect((await call("POST", "/push-subscriptions", tech.token, plain)).status).toBe(400);
    const badKey = { ...body, keys: { ...body.keys, p256dh: "AAAA" } };
    expect((await call("POST", "/push-subscriptions", tech.token, badKey)).status).toBe(400);

    expect((await call("DELETE", `/push-subscriptions/${first.body.id}`, org.token)).status).toBe(
      404,
    );
    expect((await call("DELETE", `/push-subscriptions/${first.body.id}`, tech.token)).status).toBe(
      204,
    );
    expect((await call("GET", "/push-subscriptions", tech.token)).body.data).toEqual([]);
    expect((await call("GET", "/push-subscriptions/vapid-public-key", tech.token)).body).toEqual({
      provider: "log",
      public_key: null,
    });
  });

  it("shows every category (missing ones on) and merges changes", async () => {
    const user = await buildUser(db, { organizationId: org.orgId, role: "user" });
    const { token } = await sessionFor(db, user);
    const initial = await call("GET", "/me/notification-preferences", token);
    expect(initial.body).toEqual({
      email: { marketing: true, updates: true, jobs: true },
      push: { jobs: true, messages: true, alerts: true },
      sms: { emergency: true },
    });
    await call("PATCH", "/me/notification-preferences", token, { email: { marketing: false } });
    const patched = await call("PATCH", "/me/notification-preferences", token, {
      sms: { emergency: false },
    });
    expect(patched.body.email.marketing).toBe(false);
    expect(patched.body.sms.emergency).toBe(false);
    expect(patched.body.push.messages).toBe(true);
    for (const bad of [{ email: { spam: true } }, { fax: {} }, { push: { alerts: "yes" } }]) {
      expect((await call("PATCH", "/me/notification-preferences", token, bad)).status).toBe(400);
    }
  });
});
