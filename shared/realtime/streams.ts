import { z } from "zod";
import { elevators } from "../resources/elevators.ts";
import { notifications } from "../resources/notifications.ts";
import { serviceRequests } from "../resources/service-requests.ts";
import { workOrders } from "../resources/work-orders.ts";
import { ForumPostRow, ForumThreadRow } from "../schemas/forum.ts";
import { MessageRow } from "../schemas/message.ts";
import { type Entity, isEntity } from "./entities.ts";
import type { TopicKind } from "./topics.ts";

/**
 * The streamed tables: one entry per entity the hub relays, the single source of the
 * realtime contract. From it come the event types and the typed envelopes (envelope.ts),
 * the per-audience projection the hub applies (server/realtime/audience.ts), and, through
 * one migration call with the same strings, the table's capture trigger:
 *
 *   SELECT realtime_stream('work_orders', 'work_order', organization => 'organization_id',
 *                          topics => ARRAY['org', 'site:site_id', …]);
 *
 * (`node scripts/realtime-stream-sql.ts <entity>` prints that call; test/realtime-contract.test.ts
 * fails until the database's declarations equal these. docs/realtime.md, "Adding a
 * streamed table".)
 */

type Column<R extends z.ZodObject> = keyof z.infer<R> & string;

/**
 * Where one of an event's topics comes from:
 * - `"org"`: the event's organisation (`organization` below);
 * - `"<kind>:<column>"`: the row's column (the deleted row's, for a delete);
 * - `"<kind>:old.<column>"`: the column before an update, so the watchers of the place a
 *   row moved away from (another site, tenant, category…) learn that it left.
 * Order matters: a socket in several of an event's topics gets it once, named after the
 * first of them it is in.
 */
type TopicSource<C extends string> =
  | "org"
  | `${Exclude<TopicKind, "org">}:${C}`
  | `${Exclude<TopicKind, "org">}:old.${C}`;

type StreamSpec<R extends z.ZodObject> = {
  table: string;
  row: R;
  /**
   * The event's organisation (`organization_id`, and the `org` topic): a column of the row,
   * `site:<column>` for the organisation of the site that column names, or null for none.
   */
  organization: Column<R> | `site:${Column<R>}` | null;
  topics: readonly TopicSource<Column<R>>[];
  /**
   * Updates that are events of their own instead of `<entity>.updated`: `when` is among the
   * changed columns (and, with `becomes`, its new value is that, as JSON text).
   */
  updates: readonly { action: string; when: Column<R>; becomes?: string }[];
  /** When `flag` is true the event leaves out `hides`, and its actor and organisation. */
  anonymous: { flag: Column<R>; hides: readonly Column<R>[] } | null;
  /**
   * A boolean column that holds rows back while false (a forum post awaiting moderation):
   * no change of a held row is an event; the update setting it true is `<entity>.created`,
   * one setting it false again `<entity>.deleted` (migration 0104).
   */
  hold: Column<R> | null;
  /**
   * What a restricted audience may see of the row: only these fields in `data` and
   * `changes`, no `actor_id`, and no event at all for an update that touched none of them.
   * Audiences not named here see the whole row.
   */
  audiences: { tenant?: readonly Column<R>[] };
};

/** Keeps each entry's literal types (actions, fields) while checking its columns exist. */
const stream = <R extends z.ZodObject, const S extends StreamSpec<R>>(spec: S & { row: R }) => spec;

export const STREAMS = {
  work_order: stream({
    table: workOrders.table,
    row: workOrders.row,
    organization: "organization_id",
    topics: [
      "org",
      "site:site_id",
      "elevator:elevator_id",
      "work_order:id",
      "site:old.site_id",
      "elevator:old.elevator_id",
    ],
    updates: [],
    anonymous: null,
    hold: null,
    // A tenant portal user whose service request is linked to the work order: status and
    // schedule, never costs, contractors or internal notes.
    audiences: {
      tenant: [
        "id",
        "work_order_number",
        "status",
        "priority",
        "scheduled_start",
        "scheduled_end",
        "actual_start",
        "actual_end",
        "completed_at",
        "updated_at",
      ],
    },
  }),
  elevator: stream({
    table: elevators.table,
    row: elevators.row,
    organization: "organization_id",
    topics: ["org", "site:site_id", "elevator:id", "site:old.site_id"],
    updates: [{ action: "status_changed", when: "status" }],
    anonymous: null,
    hold: null,
    audiences: {},
  }),
  service_request: stream({
    table: serviceRequests.table,
    row: serviceRequests.row,
    organization: "site:site_id",
    topics: [
      "org",
      "site:site_id",
      "service_request:id",
      "tenant:tenant_id",
      "site:old.site_id",
      "tenant:old.tenant_id",
    ],
    updates: [],
    anonymous: null,
    hold: null,
    audiences: {},
  }),
  forum_thread: stream({
    table: "forum_threads",
    row: ForumThreadRow,
    organization: "author_organization_id",
    topics: ["forum_category:category_id", "forum_thread:id", "forum_category:old.category_id"],
    updates: [],
    anonymous: { flag: "is_anonymous", hides: ["author_id", "author_organization_id"] },
    hold: "is_approved",
    audiences: {},
  }),
  forum_post: stream({
    table: "forum_posts",
    row: ForumPostRow,
    organization: null,
    topics: ["forum_thread:thread_id", "forum_thread:old.thread_id"],
    updates: [],
    anonymous: { flag: "is_anonymous", hides: ["author_id"] },
    hold: "is_approved",
    audiences: {},
  }),
  message: stream({
    table: "messages",
    row: MessageRow,
    organization: null,
    topics: ["user:sender_id", "user:recipient_id"],
    updates: [{ action: "read", when: "is_read", becomes: "true" }],
    anonymous: null,
    hold: null,
    audiences: {},
  }),
  notification: stream({
    table: notifications.table,
    // The REST row, and the event also carries the domain event that caused it.
    row: notifications.row.extend({ dedupe_key: z.string().nullable() }),
    organization: null,
    topics: ["user:user_id"],
    updates: [{ action: "read", when: "is_read", becomes: "true" }],
    anonymous: null,
    hold: null,
    audiences: {},
  }),
} satisfies Record<Entity, StreamSpec<z.ZodObject>>;

export type Streams = typeof STREAMS;
export { type Entity, isEntity };
