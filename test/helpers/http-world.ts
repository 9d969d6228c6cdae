import { createECDH, randomBytes, randomUUID } from "node:crypto";
import { sql } from "slonik";
import { z } from "zod";
import { type CatalogRoute, routeCatalog } from "../../server/http/route-catalog.ts";
import { apiRouter } from "../../server/routes/index.ts";
import type { Runtime } from "../../server/runtime.ts";
import type { Mailbox } from "./mailbox.ts";
import { registerThroughEmail } from "./register.ts";
import { api, testServer } from "./runtime.ts";

/**
 * One organisation's worth of rows, created through the real API by its owner, for the
 * generated route tests. Every resource a route path can name has an id here.
 */
export type Tenant = {
  token: string;
  password: string;
  email: string;
  refreshToken: string;
  ids: Record<string, string>;
};

const PASSWORD = "correct-horse-battery";

async function ok(res: { status: number; body: any }, what: string): Promise<any> {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function buildTenant(
  server: { url: string; mailbox: Mailbox; runtime: Runtime },
  label: string,
): Promise<Tenant> {
  const url = server.url;
  const slug = `${label}-${randomUUID().slice(0, 8)}`;
  const email = `owner@${slug}.test`;
  const reg = await registerThroughEmail(server, {
    organization: { name: `Org ${label} ${slug}`, slug },
    user: { email, password: PASSWORD },
  });
  const token: string = reg.access_token;
  const post = async (path: string, body: unknown) =>
    ok(await api(url, "POST", path, { token, body }), path);
  const site = await post("/api/v1/sites", { name: `Tower ${label}` });
  const elevator = await post("/api/v1/elevators", { site_id: site.id, unit_number: "L1" });
  const contractor = await post("/api/v1/contractors", {
    contractor_type: "employee",
    contact_name: "Ann Tech",
  });
  const workOrder = await post("/api/v1/work-orders", {
    site_id: site.id,
    elevator_id: elevator.id,
    type: "breakdown",
    title: "Car stopped between floors",
  });
  const invite = await post("/api/v1/users/invite", {
    email: `tech@${slug}.test`,
    role: "technician",
  });
  const apiKey = await post("/api/v1/api-keys", { name: "ci", scopes: ["sites:read"] });
  // Public technician profiles are platform-wide by design (portable reputation); a private
  // one must stay inside the organisation.
  const techProfile = await post("/api/v1/technician-profiles", {
    headline: "Lift tech",
    profile_visibility: "private",
  });
  const managerProfile = await post("/api/v1/manager-profiles", {
    manager_type: "building_manager",
  });
  // Notifications come from domain events, not from a create route: one for the owner.
  const notificationId = await server.runtime.serviceDb.oneFirst(sql.type(
    z.object({ id: z.string() }),
  )`
    INSERT INTO notifications (user_id, notification_type, title, link_type, link_url)
    VALUES (${reg.user.id}, 'reminder', 'Inspection due', 'elevator', ${`/elevators/${elevator.id}`})
    RETURNING id`);
  const pushSubscription = await post("/api/v1/push-subscriptions", pushSubscriptionBody());
  const invitedId: string = invite.user?.id ?? invite.id;
  const message = await post("/api/v1/messages", { recipient_id: invitedId, content: "Welcome" });
  // No REST route creates listings or applications yet: one of each, with the invited user applying.
  const application = await server.runtime.serviceDb.oneFirst(sql.type(
    z.object({ id: z.string() }),
  )`
    WITH listing AS (
      INSERT INTO job_listings (organization_id, posted_by, title, slug, description,
                                employment_type, trade, status)
      VALUES (${reg.organization.id}, ${reg.user.id}, 'Lift technician', ${`lift-tech-${slug}`},
              'Sydney CBD', 'full_time', 'elevators', 'active')
      RETURNING id)
    INSERT INTO job_applications (job_listing_id, applicant_id)
    SELECT id, ${invitedId} FROM listing RETURNING id`);
  const tenant = await post("/api/v1/tenants", { site_id: site.id, name: `Tenant ${label}` });
  const serviceRequest = await post("/api/v1/service-requests", {
    tenant_id: tenant.id,
    request_type: "issue_report",
    subject: "Lift doors slow",
  });
  // The organisation's own forum, visible to its members only.
  const category = await post("/api/v1/forum-categories", {
    name: `Team ${label}`,
    scope_type: "organization",
    visibility: "organization",
  });
  const thread = await post("/api/v1/forum-threads", {
    category_id: category.id,
    title: "Door operator keeps reversing",
    content: "Any ideas?",
  });
  const forumPost = await post("/api/v1/forum-posts", {
    thread_id: thread.id,
    content: "Check the edge sensor.",
  });
  const subscription = await post("/api/v1/forum-subscriptions", { thread_id: thread.id });
  return {
    token,
    password: PASSWORD,
    email,
    refreshToken: reg.refresh_token,
    ids: {
      organizations: reg.organization.id,
      // /me/sessions/:id: the owner's first session.
      me: String(reg.refresh_token).split(".")[0] ?? "",
      users: invite.user?.id ?? invite.id ?? reg.user.id,
      sites: site.id,
      elevators: elevator.id,
      contractors: contractor.id,
      "work-orders": workOrder.id,
      "api-keys": apiKey.id ?? apiKey.api_key?.id,
      "technician-profiles": techProfile.id,
      "manager-profiles": managerProfile.id,
      tenants: tenant.id,
      "service-requests": serviceRequest.id,
      notifications: notificationId,
      "push-subscriptions": pushSubscription.id,
      messages: message.id,
      conversations: message.thread_id,
      "job-applications": application,
      "forum-categories": category.id,
      "forum-threads": thread.id,
      "forum-posts": forumPost.id,
      "forum-subscriptions": subscription.id,
    },
  };
}

/** A browser's PushSubscription JSON (random keys, an endpoint at a default push host). */
export function pushSubscriptionBody() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return {
    endpoint: `https://fcm.googleapis.com/fcm/send/${randomUUID()}`,
    expirationTime: null,
    keys: {
      p256dh: ecdh.getPublicKey().toString("base64url"),
      auth: randomBytes(16).toString("base64url"),
    },
  };
}

/** The resource a route path names, e.g. /api/v1/work-orders/:id/assign → work-orders. */
export const resourceOf = (route: CatalogRoute) => route.path.split("/")[3] ?? "";

/**
 * A valid body for each write route, so a failing request can be blamed on the one thing
 * a test changed. A new write route fails the generated tests until it is added here.
 */
export function sampleBody(route: CatalogRoute, t: Tenant): Record<string, unknown> | undefined {
  const key = `${route.method} ${route.path}`;
  const unique = randomUUID().slice(0, 8);
  const samples: Record<string, () => Record<string, unknown>> = {
    "post /api/v1/auth/register": () => ({
      organization: { name: "New Org", slug: `new-${unique}` },
      user: { email: `new-${unique}@example.test`, password: PASSWORD },
    }),
    "post /api/v1/auth/register/verify": () => ({ token: `ssr_${"x".repeat(43)}` }),
    "post /api/v1/auth/password-reset": () => ({ email: `nobody-${unique}@example.test` }),
    "post /api/v1/auth/password-reset/confirm": () => ({
      token: `ssp_${"x".repeat(43)}`,
      password: PASSWORD,
    }),
    "post /api/v1/auth/verify-email": () => ({ token: `ssv_${"x".repeat(43)}` }),
    "post /api/v1/me/password": () => ({
      current_password: "not the password",
      new_password: PASSWORD,
    }),
    "post /api/v1/auth/login": () => ({ email: t.email, password: t.password }),
    "post /api/v1/auth/refresh": () => ({ refresh_token: t.refreshToken }),
    "post /api/v1/auth/accept-invite": () => ({ token: "x".repeat(20), password: PASSWORD }),
    "post /api/v1/users/invite": () => ({ email: `invitee-${unique}@example.test`, role: "user" }),
    "patch /api/v1/users/:id": () => ({ first_name: "Renamed" }),
    "patch /api/v1/organizations/:id": () => ({ name: "Renamed Org" }),
    "post /api/v1/api-keys": () => ({ name: `key ${unique}`, scopes: ["sites:read"] }),
    "post /api/v1/technician-profiles": () => ({ headline: "Lift tech" }),
    "patch /api/v1/technician-profiles/:id": () => ({ headline: "Senior lift tech" }),
    "post /api/v1/manager-profiles": () => ({ manager_type: "building_manager" }),
    "patch /api/v1/manager-profiles/:id": () => ({ manager_type: "facility_manager" }),
    "post /api/v1/sites": () => ({ name: `Site ${unique}` }),
    "patch /api/v1/sites/:id": () => ({ name: "Renamed site" }),
    "post /api/v1/elevators": () => ({ site_id: t.ids.sites, unit_number: `L-${unique}` }),
    "patch /api/v1/elevators/:id": () => ({ model: "MonoSpace 700" }),
    "post /api/v1/contractors": () => ({
      contractor_type: "subcontractor",
      contact_name: "Bo Lift",
    }),
    "patch /api/v1/contractors/:id": () => ({ phone: "+61 2 9000 0000" }),
    "post /api/v1/work-orders": () => ({
      site_id: t.ids.sites,
      elevator_id: t.ids.elevators,
      type: "preventive",
      title: "Quarterly service",
      parts_cost: "10.00",
      labor_cost: "20.50",
    }),
    "patch /api/v1/work-orders/:id": () => ({ title: "Updated title", parts_cost: "1.00" }),
    "post /api/v1/work-orders/:id/transition": () => ({ to: "pending" }),
    "post /api/v1/work-orders/:id/assign": () => ({ contractor_id: t.ids.contractors }),
    "post /api/v1/notifications/read": () => ({ notification_ids: [t.ids.notifications] }),
    "post /api/v1/push-subscriptions": () => pushSubscriptionBody(),
    "patch /api/v1/me/notification-preferences": () => ({ email: { marketing: false } }),
    "post /api/v1/messages": () => ({ recipient_id: t.ids.users, content: "Lift 2 is back" }),
    "post /api/v1/messages/read": () => ({ message_ids: [t.ids.messages] }),
    "post /api/v1/job-applications/:id/status": () => ({ status: "viewed" }),
    "post /api/v1/tenants": () => ({ site_id: t.ids.sites, name: `Tenant ${unique}` }),
    "patch /api/v1/tenants/:id": () => ({ unit_number: "Suite 402" }),
    "post /api/v1/tenants/:id/invite": () => ({ email: `portal-${unique}@example.test` }),
    "post /api/v1/service-requests": () => ({
      tenant_id: t.ids.tenants,
      request_type: "inquiry",
      subject: "When is the next service?",
    }),
    "post /api/v1/service-requests/:id/acknowledge": () => ({ priority: "high" }),
    "post /api/v1/service-requests/:id/priority": () => ({ priority: "urgent" }),
    "post /api/v1/service-requests/:id/convert": () => ({
      type: "breakdown",
      elevator_id: t.ids.elevators,
    }),
    "post /api/v1/service-requests/:id/resolve": () => ({ resolution_notes: "Answered" }),
    "post /api/v1/service-requests/:id/close": () => ({ resolution_notes: "Closed" }),
    "post /api/v1/service-requests/:id/feedback": () => ({
      satisfaction_rating: 5,
      feedback_text: "Quick, thanks",
    }),
    "post /api/v1/forum-categories": () => ({
      name: `Category ${unique}`,
      scope_type: "organization",
      visibility: "organization",
    }),
    "patch /api/v1/forum-categories/:id": () => ({ description: "Renamed" }),
    "post /api/v1/forum-threads": () => ({
      category_id: t.ids["forum-categories"],
      title: `Thread ${unique}`,
      content: "What does fault 0047 mean?",
    }),
    "patch /api/v1/forum-threads/:id": () => ({ title: "Edited title" }),
    "post /api/v1/forum-posts": () => ({ thread_id: t.ids["forum-threads"], content: "A reply" }),
    "patch /api/v1/forum-posts/:id": () => ({ content: "An edited reply" }),
    "post /api/v1/forum-subscriptions": () => ({ category_id: t.ids["forum-categories"] }),
    "patch /api/v1/forum-subscriptions/:id": () => ({ notify_email: false }),
    "post /api/v1/forum-threads/:id/status": () => ({ status: "closed" }),
    "post /api/v1/forum-threads/:id/flags": () => ({ is_pinned: true }),
  };
  return samples[key]?.();
}

/** A digest of every row the routes can touch: equal before and after means nothing was written. */
export async function databaseDigest(runtime: Runtime): Promise<string> {
  const tables = [
    "organizations",
    "users",
    "sites",
    "elevators",
    "contractors",
    "work_orders",
    "api_keys",
    "technician_profiles",
    "manager_profiles",
    "tenants",
    "service_requests",
    "user_invitations",
    "user_sessions",
    "audit_events",
    "notifications",
    "push_subscriptions",
    "messages",
    "conversations",
    "job_applications",
    "forum_categories",
    "forum_threads",
    "forum_posts",
    "forum_subscriptions",
    "forum_thread_votes",
    "forum_post_votes",
  ];
  const parts: string[] = [];
  for (const table of tables) {
    parts.push(
      await runtime.serviceDb.oneFirst(sql.type(z.object({ d: z.string() }))`
        SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), 'empty') AS d
          FROM ${sql.identifier([table])} t`),
    );
  }
  return parts.join(",");
}

/** The parts of a zod-generated JSON Schema the generated route tests read. */
export type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  pattern?: string;
  format?: string;
  maxLength?: number;
  minimum?: number;
  additionalProperties?: unknown;
  items?: unknown;
};

/** What the generated route tests probe: a running server, its route catalogue, one tenant. */
export type RouteWorld = { url: string; runtime: Runtime; routes: CatalogRoute[]; t: Tenant };

export async function routeWorld(label: string): Promise<RouteWorld> {
  const server = await testServer();
  return {
    url: server.url,
    runtime: server.runtime,
    routes: routeCatalog(apiRouter(server.runtime), "/api/v1"),
    t: await buildTenant(server, label),
  };
}
