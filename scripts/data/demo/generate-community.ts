import {
  REQUEST_STATUS_FOR_WORK_ORDER,
  SERVICE_REQUEST_STATUSES,
  type ServiceRequestStatus,
} from "../../../shared/service-request-states.ts";
import { WORK_ORDER_STATUSES } from "../../../shared/work-order-states.ts";
import type { Manufacturer } from "./catalogue/equipment.ts";
import { faultsFor } from "./catalogue/faults.ts";
import { FIRST_NAMES, LAST_NAMES } from "./catalogue/places.ts";
import type { DemoUser, GenContext } from "./context.ts";
import type { DemoWorkOrder } from "./generate-work.ts";
import { Rng } from "./prng.ts";
import { DAY, HOUR, iso, isoDate, mobile, type Row, slugify } from "./util.ts";

const TENANT_NAMES = [
  "Koala Legal",
  "Blue Gum Accounting",
  "Southern Ocean Insurance",
  "Wattle Health Clinic",
  "Redgum Architects",
  "Coral Sea Travel",
  "Boomerang Digital",
  "Outback Engineering",
  "Kookaburra Childcare",
  "Eucalypt Financial Planning",
  "Lorikeet Design Studio",
  "Barramundi Seafood Co",
  "Platypus Software",
  "Magpie Recruitment",
  "Wombat Physio",
];

const SR_STATUSES = SERVICE_REQUEST_STATUSES;
type SrStatus = ServiceRequestStatus;
/**
 * Which work order statuses fit a linked request in each status: the ones whose
 * transitions would have left it there (REQUEST_STATUS_FOR_WORK_ORDER); a closed request
 * was resolved first. A cancelled work order is never linked in the demo.
 */
const fitting = (status: ServiceRequestStatus) =>
  WORK_ORDER_STATUSES.filter(
    (wo) => wo !== "cancelled" && REQUEST_STATUS_FOR_WORK_ORDER[wo] === status,
  );
const LINKABLE: Record<SrStatus, readonly string[]> = {
  open: [],
  acknowledged: fitting("acknowledged"),
  in_progress: fitting("in_progress"),
  resolved: fitting("resolved"),
  closed: fitting("resolved"),
};
const OTHER_REQUESTS = [
  {
    type: "inquiry",
    subject: "When is the annual lift inspection?",
    description: "We'd like to let staff know in advance if a lift will be unavailable.",
  },
  {
    type: "move_request",
    subject: "Lift booking for move on Saturday",
    description: "Please reserve the goods lift with protective blankets from 8am to 1pm.",
  },
  {
    type: "access_request",
    subject: "Lift access card for our floor",
    description: "New staff member needs lift access to our level outside business hours.",
  },
  {
    type: "inquiry",
    subject: "Lift making a grinding noise",
    description: "Noticed a noise between floors this morning, not sure if it needs reporting.",
  },
] as const;

export type CommunityRows = {
  users: Row[];
  tenants: Row[];
  service_requests: Row[];
  forum_categories: Row[];
  forum_threads: Row[];
  forum_posts: Row[];
  forum_subscriptions: Row[];
};

/**
 * Forum category ids do not depend on the seed: the categories are platform-wide (no
 * organisation), so --reset finds them by these ids whatever seed loaded them.
 */
const fixedIds = new Rng(0x5175_deed);
export const DEMO_FORUM_CATEGORY_IDS = {
  general: fixedIds.uuid(),
  KONE: fixedIds.uuid(),
  Otis: fixedIds.uuid(),
  Schindler: fixedIds.uuid(),
} as const;

export function generateCommunity(
  ctx: GenContext,
  workOrders: DemoWorkOrder[],
  passwordHash: string,
): CommunityRows {
  const out: CommunityRows = {
    users: [],
    tenants: [],
    service_requests: [],
    forum_categories: [],
    forum_threads: [],
    forum_posts: [],
    forum_subscriptions: [],
  };
  tenantsAndRequests(ctx, workOrders, passwordHash, out);
  forum(ctx, out);
  return out;
}

function tenantsAndRequests(
  ctx: GenContext,
  workOrders: DemoWorkOrder[],
  passwordHash: string,
  out: CommunityRows,
): void {
  const rng = ctx.rng("tenants");
  const linked = new Set<string>();
  let firstSite = true;
  for (const org of ctx.orgs.filter((o) => o.spec.type === "building_owner")) {
    org.sites.forEach((site, siteIndex) => {
      const tenantIds: string[] = [];
      let portalTenantId: string | null = null;
      for (const [i, name] of rng.sample(TENANT_NAMES, rng.int(2, 4)).entries()) {
        const id = rng.uuid();
        const level = rng.int(1, site.floors);
        const contact = `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
        const slug = slugify(name);
        // The first tenant of each owner's first two sites uses the tenant portal.
        const portal = i === 0 && siteIndex < 2;
        let portalUserId: string | null = null;
        if (portal) {
          portalUserId = rng.uuid();
          const [first, last] = contact.split(" ") as [string, string];
          out.users.push({
            id: portalUserId,
            organization_id: null,
            email: `portal@${slug}-${siteIndex + 1}.${org.spec.codePrefix.toLowerCase()}.tenant.demo`,
            password_hash: passwordHash,
            email_verified: true,
            first_name: first,
            last_name: last,
            display_name: `${contact} (${name})`,
            user_type: "standard",
            role: "tenant",
            state: site.state,
            country: "Australia",
            is_active: true,
          });
        }
        tenantIds.push(id);
        if (portal) portalTenantId = id;
        out.tenants.push({
          id,
          site_id: site.id,
          name: `${name} Pty Ltd`,
          unit_number: `Suite ${level}${String(rng.int(1, 12)).padStart(2, "0")}`,
          floor: `Level ${level}`,
          primary_contact_name: contact,
          primary_contact_email: `${slugify(contact.split(" ")[0]!)}@${slug}.example.com.au`,
          primary_contact_phone: mobile(rng),
          portal_enabled: portal,
          portal_user_id: portalUserId,
          // A portal tenant is active: an inactive tenant's portal shows nothing.
          is_active: rng.chance(0.9) || portal,
          move_in_date: isoDate(ctx.anchorMs - rng.int(90, 2500) * DAY),
        });
      }

      const siteWos = workOrders.filter(
        (w) => w.elevator.siteId === site.id && w.fault && !linked.has(w.id),
      );
      // The first site shows every status; the rest are drawn at random.
      const statuses: SrStatus[] = firstSite
        ? [...SR_STATUSES]
        : Array.from({ length: rng.int(3, 5) }, () => rng.pick(SR_STATUSES));
      firstSite = false;
      for (const [n, status] of statuses.entries()) {
        const wo = rng.chance(0.8)
          ? siteWos.find((w) => LINKABLE[status].includes(w.status) && !linked.has(w.id))
          : undefined;
        const drawn = rng.pick(tenantIds);
        // Every other request of a site with a portal tenant is that tenant's, so each demo
        // portal login has requests to follow.
        const tenantId = portalTenantId && n % 2 === 0 ? portalTenantId : drawn;
        if (wo) linked.add(wo.id);
        const other = rng.pick(OTHER_REQUESTS);
        const createdMs = wo
          ? wo.reportedMs - rng.int(10, 60) * 60_000
          : ctx.anchorMs - rng.float(0.2, 40) * DAY;
        const finished = status === "resolved" || status === "closed";
        const resolvedMs = finished
          ? (wo?.endMs ?? createdMs + rng.int(2, 48) * HOUR) + HOUR
          : null;
        out.service_requests.push({
          id: rng.uuid(),
          site_id: site.id,
          tenant_id: tenantId,
          request_type: wo ? "issue_report" : other.type,
          subject: wo
            ? `Lift ${wo.elevator.unitNumber}: ${(wo.row.reported_symptoms as string[])[0]}`
            : other.subject,
          description: wo
            ? `${(wo.row.reported_symptoms as string[]).join(", ")}. Please send someone.`
            : other.description,
          elevator_id: wo?.elevator.id ?? null,
          priority: wo
            ? wo.row.priority === "emergency"
              ? "urgent"
              : wo.row.priority === "high"
                ? "high"
                : "normal"
            : rng.pick(["low", "normal"]),
          status,
          assigned_work_order_id: wo?.id ?? null,
          resolution_notes: finished
            ? wo
              ? `Technician attended: ${wo.row.resolution_notes}`
              : "Answered by building management."
            : null,
          resolved_at: resolvedMs === null ? null : iso(resolvedMs),
          satisfaction_rating: status === "closed" ? rng.int(3, 5) : null,
          feedback_text:
            status === "closed"
              ? rng.pick(["Quick response, thanks.", "Fixed, but took a while.", "Great service."])
              : null,
          created_at: iso(createdMs),
        });
      }
    });
  }
}

const GENERAL_THREADS = [
  {
    title: "AS 1735 annual inspection: what are your inspectors focusing on this year?",
    posts: [
      "Ours spent a lot of time on pit ladders and car top balustrades.",
      "Emergency phone tests to the monitoring centre, every lift, every time.",
      "Same here, plus logbook entries matching the maintenance schedule.",
    ],
  },
  {
    title: "Entrapment response in regional areas: how do you meet the KPI?",
    posts: [
      "We keep a trained local contractor on retainer in Darwin and Townsville.",
      "Remote monitoring lets us start the release procedure before we arrive.",
      "Building staff trained for manual release under phone guidance, where allowed.",
    ],
  },
  {
    title: "MRL machine access: safe work method statements",
    posts: [
      "Lockout at the landing control panel plus barricades on both landings.",
      "We added a second person requirement for any work from the car top on MRL units.",
    ],
  },
];

function forum(ctx: GenContext, out: CommunityRows): void {
  const rng = ctx.rng("forum");
  const base = { scope_type: "manufacturer", visibility: "public", is_active: true };
  out.forum_categories.push(
    {
      id: DEMO_FORUM_CATEGORY_IDS.general,
      name: "Elevators – General",
      slug: "elevators-general",
      description: "Anything lifts: compliance, safety, tools and the trade.",
      scope_type: "trade",
      scope_value: "elevators",
      visibility: "public",
      is_active: true,
      display_order: 1,
    },
    {
      ...base,
      id: DEMO_FORUM_CATEGORY_IDS.KONE,
      parent_id: DEMO_FORUM_CATEGORY_IDS.general,
      name: "KONE",
      slug: "kone",
      description: "MonoSpace, MiniSpace and KCE/LCE controllers.",
      scope_value: "KONE",
      display_order: 2,
    },
    {
      ...base,
      id: DEMO_FORUM_CATEGORY_IDS.Otis,
      parent_id: DEMO_FORUM_CATEGORY_IDS.general,
      name: "Otis",
      slug: "otis",
      description: "Gen2, SkyRise, LCB-II and Compass.",
      scope_value: "Otis",
      display_order: 3,
    },
    {
      ...base,
      id: DEMO_FORUM_CATEGORY_IDS.Schindler,
      parent_id: DEMO_FORUM_CATEGORY_IDS.general,
      name: "Schindler",
      slug: "schindler",
      description: "3300, 5500, 7000, Miconic and PORT.",
      scope_value: "Schindler",
      display_order: 4,
    },
  );
  const techs: { user: DemoUser; orgId: string }[] = ctx.orgs.flatMap((o) =>
    o.technicians.map((user) => ({ user, orgId: o.id })),
  );

  const addThread = (
    categoryId: string,
    title: string,
    replies: { text: string; answer: boolean }[],
    extra: Row,
  ) => {
    const [author, ...others] = rng.shuffle(techs);
    const id = rng.uuid();
    const createdMs = ctx.anchorMs - rng.float(3, 200) * DAY;
    const answered = replies.some((r) => r.answer);
    out.forum_threads.push({
      id,
      category_id: categoryId,
      author_id: author!.user.id,
      author_organization_id: author!.orgId,
      title,
      slug: slugify(title).slice(0, 120),
      status: answered ? "answered" : "open",
      view_count: rng.int(15, 600),
      upvote_count: rng.int(0, 25),
      created_at: iso(createdMs),
      ...extra,
    });
    out.forum_subscriptions.push({ id: rng.uuid(), user_id: author!.user.id, thread_id: id });
    replies.forEach((reply, i) => {
      out.forum_posts.push({
        id: rng.uuid(),
        thread_id: id,
        author_id: others[i % others.length]!.user.id,
        content: reply.text,
        is_answer: reply.answer,
        upvote_count: rng.int(0, reply.answer ? 20 : 6),
        created_at: iso(createdMs + (i + 1) * rng.float(1, 20) * HOUR),
      });
    });
  };

  for (const t of GENERAL_THREADS)
    addThread(
      DEMO_FORUM_CATEGORY_IDS.general,
      t.title,
      t.posts.map((text) => ({ text, answer: false })),
      { tags: ["general"] },
    );
  // Manufacturer threads discuss catalogue faults, and the answers name catalogue causes and fixes.
  for (const manufacturer of [
    "KONE",
    "Otis",
    "Schindler",
  ] as const satisfies readonly Manufacturer[]) {
    for (const fault of rng.sample(faultsFor(manufacturer), 2)) {
      const replies = fault.causes.map((c, i) => ({
        text: `Seen this a few times. Usually: ${c.rootCause.toLowerCase()}. ${c.resolution}.`,
        answer: i === 0,
      }));
      addThread(
        DEMO_FORUM_CATEGORY_IDS[manufacturer],
        `${manufacturer} ${fault.code} "${fault.title}": ${fault.symptoms[0]}, any tips?`,
        replies,
        {
          equipment_manufacturer: manufacturer,
          fault_code: fault.code,
          tags: [manufacturer.toLowerCase(), "fault"],
        },
      );
    }
  }
}
