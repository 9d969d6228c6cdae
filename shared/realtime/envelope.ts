import { z } from "zod";
import { type Entity, isEntity, STREAMS, type Streams } from "./streams.ts";
import type { TopicName } from "./topics.ts";

/**
 * The `event` envelope (docs/realtime-protocol.md, "Server → client"), typed from the
 * stream declaration: a union discriminated by `type`, so a handler of
 * `elevator.status_changed` gets an elevator row as `data` and elevator columns as
 * `changes`, and one of `work_order.deleted` gets `{ id }`.
 */

type RowOf<E extends Entity> = z.infer<Streams[E]["row"]>;
type ColumnOf<E extends Entity> = keyof RowOf<E> & string;

type ActionOf<E extends Entity> =
  | "created"
  | "updated"
  | "deleted"
  | Streams[E]["updates"][number]["action"];

/** Fields a restricted audience still sees (never when no audience is restricted). */
type SeenByAll<E extends Entity> = Streams[E]["audiences"] extends {
  tenant: readonly (infer F)[];
}
  ? F
  : never;

/**
 * The row as the socket's audience may see it: whole, or, for an entity with a restricted
 * audience (a tenant watching a work order), only the fields that audience sees are sure to
 * be there.
 */
type RowData<E extends Entity> = [SeenByAll<E>] extends [never]
  ? RowOf<E>
  : Partial<RowOf<E>> & Pick<RowOf<E>, SeenByAll<E> & ColumnOf<E>>;

type EnvelopeFor<E extends Entity, A extends string> = {
  /** Cursor: increasing along each topic; pass it back as `since`. */
  id: string;
  topic: TopicName;
  type: `${E}.${A}`;
  entity: { type: E; id: string };
  organization_id: string | null;
  actor_id: string | null;
  occurred_at: string;
  /** The changed columns of an update; null for created and deleted. */
  changes: A extends "created" | "deleted" ? null : ColumnOf<E>[];
  /** The row after the change as this audience may see it; `{ id }` for a delete. */
  data: A extends "deleted" ? { id: string } : RowData<E>;
  /** Present (true) on events sent from the subscribe-with-since replay. */
  replay?: true;
};

export type Envelope = {
  [E in Entity]: { [A in ActionOf<E>]: EnvelopeFor<E, A> }[ActionOf<E>];
}[Entity];
export type EventType = Envelope["type"];
/** The envelope of one event type (immich's ClientEventMap, for the realtime outbox). */
export type EnvelopeOf<T extends EventType> = Extract<Envelope, { type: T }>;

export function actionsOf(entity: Entity): string[] {
  return ["created", "updated", "deleted", ...STREAMS[entity].updates.map((u) => u.action)];
}

/** Every event type the declaration defines, `<entity>.<action>`. */
export function eventTypes(): string[] {
  return Object.keys(STREAMS).flatMap((entity) =>
    isEntity(entity) ? actionsOf(entity).map((action) => `${entity}.${action}`) : [],
  );
}

const Base = z.strictObject({
  id: z.string().regex(/^[0-9a-z]{13}-[0-9a-z]{13}$/),
  topic: z.string(),
  type: z.string(),
  entity: z.strictObject({ type: z.string(), id: z.uuid() }),
  organization_id: z.uuid().nullable(),
  actor_id: z.uuid().nullable(),
  occurred_at: z.iso.datetime({ offset: true }),
  changes: z.array(z.string()).nullable(),
  data: z.unknown(),
  replay: z.literal(true).optional(),
});

/** The declared row, every field required or, outside `visible`, optional; nothing else. */
function rowSchema(row: z.ZodObject, visible: readonly string[] | undefined): z.ZodType {
  if (!visible) return z.strictObject(row.shape);
  const shape = Object.fromEntries(
    Object.entries(row.shape).map(([k, s]) => [k, visible.includes(k) ? s : z.optional(s)]),
  );
  return z.strictObject(shape);
}

/**
 * Checks that a value is an envelope exactly as declared (type, entity, changes and data
 * per the stream's row schema) and returns it typed. Tests run every envelope they receive
 * through it; clients may, at the cost of a validation per event.
 */
export function parseEnvelope(value: unknown): Envelope {
  const base = Base.parse(value);
  const [entity, action] = base.type.split(".");
  if (!entity || !action || !isEntity(entity) || !actionsOf(entity).includes(action)) {
    throw new Error(`undeclared event type ${base.type}`);
  }
  if (base.entity.type !== entity) throw new Error(`${base.type} names entity ${base.entity.type}`);
  const stream = STREAMS[entity];
  const columns = Object.keys(stream.row.shape);
  const whole = action === "created" || action === "deleted";
  z.object({
    changes: whole ? z.null() : z.array(z.enum(columns)).min(1),
    data:
      action === "deleted"
        ? z.strictObject({ id: z.literal(base.entity.id) })
        : rowSchema(stream.row, "tenant" in stream.audiences ? stream.audiences.tenant : undefined),
  }).parse(base);
  // Checked against the declaration just above: that is what the union type says.
  return value as Envelope;
}
