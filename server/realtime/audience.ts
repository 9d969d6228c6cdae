import { encodeCursor, type Position } from "../../shared/realtime/cursor.ts";
import type { Envelope } from "../../shared/realtime/envelope.ts";
import { STREAMS } from "../../shared/realtime/streams.ts";
import type { OutboxRow } from "../db/realtime-events.ts";

/**
 * Who is watching a topic decides what of each event they see:
 * - staff: the organisation's own people (and forum members): the full row;
 * - tenant: a tenant portal user watching the work order linked to its service request:
 *   what the stream declaration lets that audience see (shared/realtime/streams.ts);
 * - self: the user's own `user:` room (messages, notifications).
 */
export type Audience = "staff" | "tenant" | "self";

/** Per entity, per restricted audience, the fields it may see (from the declaration). */
const VISIBLE = new Map<string, Map<Audience, ReadonlySet<string>>>(
  Object.entries(STREAMS).map(([entity, stream]) => [
    entity,
    new Map(
      Object.entries(stream.audiences).flatMap(([audience, fields]) =>
        isAudience(audience) && fields ? [[audience, new Set<string>(fields)] as const] : [],
      ),
    ),
  ]),
);

function isAudience(name: string): name is Audience {
  return name === "staff" || name === "tenant" || name === "self";
}

const visibleFields = (row: OutboxRow, audience: Audience) =>
  VISIBLE.get(row.entity_type)?.get(audience);

const pick = (data: Record<string, unknown>, keys: ReadonlySet<string>) =>
  Object.fromEntries(Object.entries(data).filter(([k]) => keys.has(k)));

/** The envelope this audience gets for the row (visibleTo said it gets one). */
export function envelopeFor(
  row: OutboxRow,
  position: Position,
  topic: string,
  audience: Audience,
): Envelope {
  const fields = visibleFields(row, audience);
  const envelope = {
    id: encodeCursor(position),
    topic,
    type: row.type,
    entity: { type: row.entity_type, id: row.entity_id },
    organization_id: row.organization_id,
    actor_id: fields ? null : row.actor_id,
    occurred_at: row.occurred_at,
    changes: fields ? (row.changes?.filter((c) => fields.has(c)) ?? null) : row.changes,
    data: fields ? pick(row.data, fields) : row.data,
  };
  // The capture trigger wrote the row from the same declaration the Envelope type comes
  // from; test/realtime-contract.test.ts checks every event type's envelopes against it.
  return envelope as Envelope;
}

/**
 * A restricted audience learns nothing from an update that touched only fields it may not
 * see (e.g. a tenant and a cost correction): such an update is not sent to it at all.
 */
export function visibleTo(row: OutboxRow, audience: Audience): boolean {
  const fields = visibleFields(row, audience);
  if (!fields || row.changes === null) return true;
  return row.changes.some((c) => fields.has(c));
}
