import { decrypt } from "http_ece";
import { importJWK, jwtVerify } from "jose";
import { sql } from "slonik";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import webpush from "web-push";
import { z } from "zod";
import { withTenant } from "../server/db/tenant-context.ts";
import { deliverNotification, type Senders } from "../server/notifications/deliver.ts";
import { notify } from "../server/notifications/notify.ts";
import { type PushMessage, WebPushSender } from "../server/notifications/push.ts";
import { TwilioSmsSender } from "../server/notifications/sms.ts";
import { attachRealtime } from "../server/realtime/hub.ts";
import type { Runtime } from "../server/runtime.ts";
import { type RunningWorkers, startWorkers } from "../workers/start.ts";
import { buildOrgWithUser, buildUser, sessionFor } from "./factories.ts";
import {
  providerStub,
  pushSubscriber,
  trustLoopbackCertificate,
} from "./helpers/delivery-servers.ts";
import { connectClient, sleep, waitFor } from "./helpers/realtime.ts";
import { mailboxOf, testRuntime, testServer } from "./helpers/runtime.ts";

/**
 * notify() and the delivery job against real Postgres (RLS as the app role), real Redis and
 * BullMQ workers, a real SMTP server, and local HTTP servers speaking Web Push and Twilio's
 * Messages API (the real adapters' wire formats).
 */
const vapid = webpush.generateVAPIDKeys();
trustLoopbackCertificate();
const push = await providerStub(201, () => "", { https: true });
const sms = await providerStub(201, () => JSON.stringify({ sid: "SM1", status: "queued" }));
const runtime: Runtime = await testRuntime({
  PUSH_PROVIDER: "webpush",
  VAPID_PUBLIC_KEY: vapid.publicKey,
  VAPID_PRIVATE_KEY: vapid.privateKey,
  VAPID_SUBJECT: "mailto:ops@sitesync.test",
  SMS_PROVIDER: "twilio",
  SMS_TWILIO_BASE_URL: sms.url,
  SMS_TWILIO_ACCOUNT_SID: "AC0123",
  SMS_TWILIO_AUTH_TOKEN: "twilio-secret",
  SMS_FROM: "+61200000000",
  APP_URL: "https://app.sitesync.test",
  PUSH_ENDPOINT_HOSTS: "127.0.0.1",
});
const hub = await testServer(runtime, [attachRealtime]);
const db = runtime.serviceDb;
const mailbox = mailboxOf(runtime);
let workers: RunningWorkers;

beforeAll(async () => {
  workers = await startWorkers(runtime, { schedules: [] });
});
afterAll(() => workers.close(0));

const Row = z.object({
  id: z.string(),
  user_id: z.string(),
  title: z.string(),
  email_sent: z.boolean(),
  push_sent: z.boolean(),
  sms_sent: z.boolean(),
  link_url: z.string().nullable(),
});
const rowsFor = (userId: string) =>
  db.any(sql.type(Row)`
    SELECT id, user_id, title, email_sent, push_sent, sms_sent, link_url
      FROM notifications WHERE user_id = ${userId} ORDER BY created_at`);

async function userWith(opts: { phone?: string; prefs?: unknown; orgId?: string | null } = {}) {
  const u = await buildUser(db, { organizationId: opts.orgId ?? null, role: "technician" });
  await db.query(sql.unsafe`
    UPDATE users SET phone = ${opts.phone ?? null},
           notification_preferences = coalesce(${opts.prefs ? sql.jsonb(opts.prefs as never) : null}::jsonb, notification_preferences)
     WHERE id = ${u.id}`);
  return u;
}

async function subscribe(userId: string, path: string) {
  const s = pushSubscriber(`${push.url}${path}`);
  await db.query(sql.unsafe`
    INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth)
    VALUES (${userId}, ${s.endpoint}, ${s.p256dh}, ${s.auth})`);
  return s;
}

/** A notification inserted without queuing its delivery: the test runs the delivery itself. */
async function unqueued(userId: string, type: string, title: string, urgent = false) {
  return db.oneFirst(sql.type(z.object({ id: z.string() }))`
    INSERT INTO notifications (user_id, notification_type, title, is_urgent)
    VALUES (${userId}, ${type}, ${title}, ${urgent}) RETURNING id`);
}

const link = (id: string) => ({ type: "work_order", id, url: `/work-orders/${id}` });

describe("notify()", () => {
  it("writes notifications for colleagues and other organisations' users in the caller's transaction, skipping the actor and inactive users", async () => {
    const a = await buildOrgWithUser(db, "manager");
    const colleague = await userWith({ orgId: a.orgId });
    const outsider = await userWith();
    const gone = await userWith({ orgId: a.orgId });
    await db.query(sql.unsafe`UPDATE users SET is_active = false WHERE id = ${gone.id}`);
    const ids = await withTenant(runtime.db, { organizationId: a.orgId, userId: a.userId }, (tx) =>
      notify(tx, {
        userIds: [colleague.id, outsider.id, gone.id, a.userId, colleague.id],
        type: "work_order_assigned",
        title: "WO-1 assigned to you",
        body: "Car stuck at level 3",
        link: link(a.orgId),
        dedupeKey: `test:${a.userId}:1`,
      }),
    );
    expect(ids).toHaveLength(2);
    expect((await rowsFor(colleague.id)).map((r) => r.id)).toHaveLength(1);
    expect((await rowsFor(outsider.id)).map((r) => r.id)).toHaveLength(1);
    expect(await rowsFor(gone.id)).toEqual([]);
    expect(await rowsFor(a.userId)).toEqual([]);
    // The writer cannot read what it wrote for others (RLS: a notification is its user's).
    const visible = await withTenant(
      runtime.db,
      { organizationId: a.orgId, userId: a.userId },
      (tx) =>
        tx.oneFirst(sql.type(z.object({ n: z.number() }))`
          SELECT count(*)::int AS n FROM notifications WHERE id = ANY(${sql.array(ids, "uuid")})`),
    );
    expect(visible).toBe(0);
  });

  it("never notifies anyone twice for one dedupe key, and a rollback leaves nothing behind", async () => {
    const a = await buildOrgWithUser(db, "manager");
    const colleague = await userWith({ orgId: a.orgId });
    const ctx = { organizationId: a.orgId, userId: a.userId };
    const input = {
      userIds: [colleague.id],
      type: "work_order_status_changed" as const,
      title: "WO-2 is in progress",
      dedupeKey: `test:${a.userId}:dup`,
    };
    const first = await withTenant(runtime.db, ctx, (tx) => notify(tx, input));
    const again = await withTenant(runtime.db, ctx, (tx) => notify(tx, input));
    // The retried event reaches a new recipient, but not the one already told.
    const other = await userWith({ orgId: a.orgId });
    const widened = await withTenant(runtime.db, ctx, (tx) =>
      notify(tx, { ...input, userIds: [colleague.id, other.id] }),
    );
    expect([first.length, again.length, widened.length]).toEqual([1, 0, 1]);
    await expect(
      withTenant(runtime.db, ctx, async (tx) => {
        await notify(tx, { ...input, dedupeKey: `test:${a.userId}:rolled-back` });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await rowsFor(colleague.id)).toHaveLength(1);
    // Each created notification is delivered once (its e-mail), the duplicates never.
    await mailbox.waitFor(colleague.email);
    await mailbox.waitFor(other.email);
    await sleep(500);
    expect(mailbox.to(colleague.email)).toHaveLength(1);
  });

  it("refuses a bad input before writing anything", async () => {
    const a = await buildOrgWithUser(db, "manager");
    const ctx = { organizationId: a.orgId, userId: a.userId };
    const base = { userIds: [a.userId], type: "reminder", title: "t", dedupeKey: "k" };
    for (const bad of [
      { ...base, type: "not_a_type" },
      { ...base, dedupeKey: "" },
      { ...base, userIds: ["x"] },
      { ...base, link: { type: "work_order", url: "https://evil.example/" } },
      { ...base, link: { type: "work_order", url: "//evil.example/" } },
    ]) {
      await expect(withTenant(runtime.db, ctx, (tx) => notify(tx, bad as never))).rejects.toThrow();
    }
  });
});

describe("delivery", () => {
  it("sends e-mail, push and SMS once each, as the preferences say, and marks them sent", async () => {
    const a = await buildOrgWithUser(db, "manager");
    const tech = await userWith({ orgId: a.orgId, phone: "+61 400 111-222" });
    const device = await subscribe(tech.id, "/push/device-1");
    await subscribe(tech.id, "/push/expired");
    push.statusFor.set("/push/expired", 410);
    const [id] = await withTenant(runtime.db, { organizationId: a.orgId, userId: a.userId }, (tx) =>
      notify(tx, {
        userIds: [tech.id],
        type: "work_order_assigned",
        title: "Emergency: WO-9 assigned to you",
        body: "Passenger trapped, Tower A lift 2 <b>now</b>",
        link: link(a.orgId),
        dedupeKey: `test:${a.userId}:all-channels`,
        urgent: true,
      }),
    );
    await waitFor(
      () => sms.received.some((r) => r.body.toString().includes("WO-9")),
      15_000,
      "the SMS",
    );
    let row = (await rowsFor(tech.id))[0];
    for (let i = 0; i < 100 && !(row?.email_sent && row.push_sent && row.sms_sent); i++) {
      await sleep(100);
      row = (await rowsFor(tech.id))[0];
    }
    expect(row).toMatchObject({ id, email_sent: true, push_sent: true, sms_sent: true });

    const mail = await mailbox.waitFor(tech.email);
    expect(mail.subject).toBe("Emergency: WO-9 assigned to you");
    expect(mail.text).toContain(`https://app.sitesync.test/work-orders/${a.orgId}`);
    expect(mail.html).toContain("&lt;b&gt;now&lt;/b&gt;");

    const delivered = push.received.filter((r) => r.path === "/push/device-1");
    expect(delivered).toHaveLength(1);
    const message = JSON.parse(
      decrypt(delivered[0]!.body, {
        version: "aes128gcm",
        privateKey: device.ecdh,
        authSecret: device.auth,
      }).toString(),
    ) as PushMessage;
    expect(message).toMatchObject({ id, type: "work_order_assigned", urgent: true });
    // The expired subscription answered 410 and is forgotten.
    const left = await db.anyFirst(sql.type(z.object({ endpoint: z.string() }))`
      SELECT endpoint FROM push_subscriptions WHERE user_id = ${tech.id}`);
    expect(left).toEqual([device.endpoint]);

    const form = new URLSearchParams(
      sms.received.find((r) => r.body.toString().includes("WO-9"))!.body.toString(),
    );
    expect(form.get("To")).toBe("+61400111222");
    expect(form.get("Body")).toContain(`https://app.sitesync.test/work-orders/${a.orgId}`);
  });

  it("one domain event handled three times at once (a retried job racing the first) is one notification: each channel sent once, its flags set and streamed live", async () => {
    const a = await buildOrgWithUser(db, "manager");
    const tech = await userWith({ orgId: a.orgId, phone: "+61400999000" });
    await subscribe(tech.id, "/push/racing");
    const client = await connectClient(hub.url, (await sessionFor(db, tech)).token);
    const ctx = { organizationId: a.orgId, userId: a.userId };
    const event = {
      userIds: [tech.id],
      type: "work_order_assigned" as const,
      title: "WO-77 assigned to you",
      link: link(a.orgId),
      dedupeKey: `work_order_assigned:${a.orgId}:racing`,
      urgent: true,
    };
    const created = (
      await Promise.all([1, 2, 3].map(() => withTenant(runtime.db, ctx, (tx) => notify(tx, event))))
    ).flat();
    expect(created).toHaveLength(1);
    const id = created[0]!;
    const flagsLive = (flag: "email_sent" | "push_sent" | "sms_sent") =>
      client.events.some(
        (e) => e.type === "notification.updated" && e.data.id === id && e.data[flag] === true,
      );
    await waitFor(
      () => flagsLive("email_sent") && flagsLive("push_sent") && flagsLive("sms_sent"),
      15_000,
      "the three flags, live",
    );
    expect((await rowsFor(tech.id))[0]).toMatchObject({
      id,
      email_sent: true,
      push_sent: true,
      sms_sent: true,
    });
    // Once more, after everything was sent: nothing new is created or sent.
    expect(await withTenant(runtime.db, ctx, (tx) => notify(tx, event))).toEqual([]);
    await sleep(1_000);
    expect(sms.received.filter((r) => r.body.toString().includes("WO-77"))).toHaveLength(1);
    expect(push.received.filter((r) => r.path === "/push/racing")).toHaveLength(1);
    expect(mailbox.to(tech.email)).toHaveLength(1);
    expect(
      client.events.filter((e) => e.type === "notification.created").map((e) => e.data.id),
    ).toEqual([id]);
    client.close();
  });

  it("leaves out what the preferences turn off, SMS for what is not urgent, and read notifications", async () => {
    const a = await buildOrgWithUser(db, "manager");
    const quiet = await userWith({
      orgId: a.orgId,
      phone: "+61400333444",
      prefs: { email: { updates: false }, push: { alerts: true } },
    });
    await subscribe(quiet.id, "/push/quiet");
    const reader = await userWith({ orgId: a.orgId });
    const counting = countingSenders();
    const quietId = await unqueued(quiet.id, "work_order_status_changed", "WO-3 completed");
    const readId = await unqueued(reader.id, "work_order_status_changed", "WO-4 completed");
    await db.query(sql.unsafe`UPDATE notifications SET is_read = true WHERE id = ${readId}`);
    expect(await deliverNotification(runtime, counting.senders, quietId)).toEqual({
      email: "off",
      push: "sent",
      sms: "off",
    });
    expect(await deliverNotification(runtime, counting.senders, readId)).toEqual({
      email: "read",
      push: "read",
      sms: "read",
    });
  });

  it("two runs at once send each channel once; a later run sends nothing", async () => {
    const a = await buildOrgWithUser(db, "manager");
    const tech = await userWith({ orgId: a.orgId, phone: "+61400555666" });
    await subscribe(tech.id, "/push/twice");
    const counting = countingSenders(50);
    const id = await unqueued(tech.id, "reminder", "Annual safety inspection due tomorrow", true);
    const runs = await Promise.all([
      deliverNotification(runtime, counting.senders, id),
      deliverNotification(runtime, counting.senders, id),
    ]);
    expect(counting.counts).toEqual({ email: 1, push: 1, sms: 1 });
    // Each channel is sent by exactly one of the runs; which run wins which channel depends on
    // how their claims interleave (under load one run may take email and the other push).
    for (const channel of ["email", "push", "sms"] as const) {
      const outcomes = runs.map((r) => r[channel]);
      expect(
        outcomes.filter((o) => o === "sent"),
        channel,
      ).toHaveLength(1);
    }
    expect(await deliverNotification(runtime, counting.senders, id)).toEqual({
      email: "already",
      push: "already",
      sms: "already",
    });
    expect(counting.counts).toEqual({ email: 1, push: 1, sms: 1 });
  });

  it("a failing channel does not hold back the others, and the retry sends only what failed", async () => {
    const tech = await userWith({ phone: "+61400777888" });
    await subscribe(tech.id, "/push/flaky");
    const counting = countingSenders(0, { failPushTimes: 1 });
    const id = await unqueued(tech.id, "reminder", "Certificate expires in 7 days", true);
    await expect(deliverNotification(runtime, counting.senders, id)).rejects.toThrow(
      /channel\(s\) failed/,
    );
    expect(counting.counts).toEqual({ email: 1, push: 0, sms: 1 });
    expect(await deliverNotification(runtime, counting.senders, id)).toEqual({
      email: "already",
      push: "sent",
      sms: "already",
    });
    expect(counting.counts).toEqual({ email: 1, push: 1, sms: 1 });
  });
});

/** Senders that count what they send (optionally slowly, or failing the first pushes). */
function countingSenders(delayMs = 0, opts: { failPushTimes?: number } = {}) {
  const counts = { email: 0, push: 0, sms: 0 };
  let pushFailures = opts.failPushTimes ?? 0;
  const wait = () => sleep(delayMs);
  const senders: Senders = {
    mail: {
      send: async () => {
        await wait();
        counts.email++;
      },
    } as unknown as Senders["mail"],
    push: {
      name: "counting",
      send: async () => {
        await wait();
        if (pushFailures-- > 0) throw new Error("push service unavailable");
        counts.push++;
        return "delivered";
      },
    },
    sms: {
      name: "counting",
      send: async () => {
        await wait();
        counts.sms++;
        return "delivered";
      },
    },
  };
  return { counts, senders };
}

describe("real adapters on the wire", () => {
  const message: PushMessage = {
    id: "00000000-0000-4000-8000-000000000001",
    type: "reminder",
    title: "Inspection due",
    body: null,
    url: "/elevators/1",
    urgent: false,
  };

  it("Web Push: a VAPID-signed, aes128gcm-encrypted POST the subscriber can decrypt", async () => {
    const sender = new WebPushSender(
      {
        subject: "mailto:ops@sitesync.test",
        publicKey: vapid.publicKey,
        privateKey: vapid.privateKey,
      },
      ["127.0.0.1"],
    );
    const device = pushSubscriber(`${push.url}/push/wire`);
    expect(await sender.send(device, message)).toBe("delivered");
    const req = push.received.filter((r) => r.path === "/push/wire").at(-1)!;
    expect(req.method).toBe("POST");
    expect(req.headers["content-encoding"]).toBe("aes128gcm");
    expect(req.headers["content-type"]).toBe("application/octet-stream");
    expect(req.headers.ttl).toBe(String(24 * 3600));
    expect(req.headers.urgency).toBe("normal");
    const auth = /^vapid t=([^,]+), k=(.+)$/.exec(String(req.headers.authorization));
    expect(auth?.[2]).toBe(vapid.publicKey);
    const point = Buffer.from(vapid.publicKey, "base64url");
    const key = await importJWK(
      {
        kty: "EC",
        crv: "P-256",
        x: point.subarray(1, 33).toString("base64url"),
        y: point.subarray(33, 65).toString("base64url"),
      },
      "ES256",
    );
    const { payload } = await jwtVerify(auth![1]!, key);
    expect(payload).toMatchObject({ aud: push.url, sub: "mailto:ops@sitesync.test" });
    const plain = decrypt(req.body, {
      version: "aes128gcm",
      privateKey: device.ecdh,
      authSecret: device.auth,
    });
    expect(JSON.parse(plain.toString())).toEqual(message);

    push.statusFor.set("/push/wire-gone", 404);
    push.statusFor.set("/push/wire-bad", 400);
    push.statusFor.set("/push/wire-down", 503);
    expect(await sender.send(pushSubscriber(`${push.url}/push/wire-gone`), message)).toBe("gone");
    expect(await sender.send(pushSubscriber(`${push.url}/push/wire-bad`), message)).toBe(
      "rejected",
    );
    await expect(
      sender.send(pushSubscriber(`${push.url}/push/wire-down`), message),
    ).rejects.toThrow();
  });

  it("SMS: Twilio's Messages API with HTTP Basic and a form body; 4xx is final, 5xx retried", async () => {
    const gateway = await providerStub(201, () => JSON.stringify({ sid: "SM2" }));
    const sender = new TwilioSmsSender({
      baseUrl: gateway.url,
      accountSid: "AC42",
      authToken: "tok",
      from: "MG123",
    });
    expect(await sender.send("+61400000001", "x".repeat(500))).toBe("delivered");
    const req = gateway.received[0]!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/2010-04-01/Accounts/AC42/Messages.json");
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from("AC42:tok").toString("base64")}`);
    expect(req.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    const form = new URLSearchParams(req.body.toString());
    expect(form.get("To")).toBe("+61400000001");
    expect(form.get("MessagingServiceSid")).toBe("MG123");
    expect(form.get("From")).toBeNull();
    expect(form.get("Body")).toHaveLength(320);

    gateway.statusFor.set("/2010-04-01/Accounts/AC42/Messages.json", 400);
    expect(await sender.send("+61400000001", "hi")).toBe("rejected");
    gateway.statusFor.set("/2010-04-01/Accounts/AC42/Messages.json", 503);
    await expect(sender.send("+61400000001", "hi")).rejects.toThrow(/503/);
  });
});
