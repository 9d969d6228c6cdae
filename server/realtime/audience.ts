import { encodeCursor, type Position } from "../../shared/realtime/cursor.ts";
import type { Envelope } from "../../shared/realtime/events.ts";
import type { OutboxRow } from "../db/realtime-events.ts";

/**
 * Who is watching a topic decides what of each event they see:
 * - staff: the organisation's own people (and forum members): the full row;
 * - tenant: a tenant portal user watching the work order linked to its service request:
 *   status and schedule only, never costs, contractors or internal notes;
 * - self: the user's own `user:` room (messages, notifications).
 */
export type Audience = "staff" | "tenant" | "self";

const TENANT_WORK_ORDER_FIELDS = [
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
] as const;

const pick = (data: Record<string, unknown>, keys: readonly string[]) =>
  Object.fromEntries(keys.filter((k) => k in data).map((k) => [k, data[k]]));

/** The envelope this audience gets for the row, or null when it may see none of it. */
export function envelopeFor(
  row: OutboxRow,
  position: Position,
  topic: string,
  audience: Audience,
): Envelope {
  const base: Envelope = {
    id: encodeCursor(position),
    topic,
    type: row.type,
    entity: { type: row.entity_type, id: row.entity_id },
    organization_id: row.organization_id,
    actor_id: row.actor_id,
    occurred_at: row.occurred_at,
    changes: row.changes,
    data: row.data,
  };
  if (audience !== "tenant" || row.entity_type !== "work_order") return base;
  return {
    ...base,
    actor_id: null,
    changes: row.changes?.filter((c) => TENANT_WORK_ORDER_FIELDS.includes(c as never)) ?? null,
    data: pick(row.data, TENANT_WORK_ORDER_FIELDS),
  };
}

/**
 * A tenant learns nothing from an update that touched only fields it may not see (e.g. a
 * cost correction): such an update is not sent to it at all.
 */
export function visibleTo(row: OutboxRow, audience: Audience): boolean {
  if (audience !== "tenant" || row.entity_type !== "work_order" || row.changes === null)
    return true;
  return row.changes.some((c) => TENANT_WORK_ORDER_FIELDS.includes(c as never));
}
