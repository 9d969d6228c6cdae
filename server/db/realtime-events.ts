import { type CommonQueryMethods, sql } from "slonik";
import { z } from "zod";
import type { Position } from "../../shared/realtime/cursor.ts";

/**
 * The realtime outbox (migrations/0050). Read only with the service pool: the relay is
 * cross-tenant by nature; admission is decided per socket at subscribe time.
 *
 * Ordering rule (docs/realtime.md): a row is readable only once its transaction id is
 * below the snapshot's xmin, i.e. every transaction that could still add a row before it
 * has finished. Rows are taken in (xid, id) order, so a reader never skips one.
 */
export const OutboxRow = z.object({
  id: z.number(),
  xid: z.string(),
  topics: z.array(z.string()),
  type: z.string(),
  entity_type: z.string(),
  entity_id: z.string(),
  organization_id: z.string().nullable(),
  actor_id: z.string().nullable(),
  changes: z.array(z.string()).nullable(),
  data: z.record(z.string(), z.unknown()),
  occurred_at: z.string(),
});
export type OutboxRow = z.infer<typeof OutboxRow>;

const columns = sql.fragment`
  e.id, e.xid::text AS xid, e.topics, e.type, e.entity_type, e.entity_id, e.organization_id,
  e.actor_id, e.changes, e.data, e.occurred_at`;

export const positionOf = (row: { xid: string; id: number }): Position => ({
  xid: BigInt(row.xid),
  id: BigInt(row.id),
});

const after = (p: Position) =>
  sql.fragment`(e.xid, e.id) > (${p.xid.toString()}::xid8, ${p.id.toString()}::bigint)`;

/**
 * The next rows after `from`. `ready` is the prefix that is safe to deliver; `blocked` says
 * committed rows exist behind an older transaction that is still open (retry soon: its
 * commit may not NOTIFY if it writes no events itself).
 */
export async function readOutboxAfter(
  db: CommonQueryMethods,
  from: Position,
  limit: number,
): Promise<{ ready: OutboxRow[]; blocked: boolean; full: boolean }> {
  const rows = await db.any(sql.type(OutboxRow.extend({ horizon: z.string() }))`
    SELECT ${columns}, pg_snapshot_xmin(pg_current_snapshot())::text AS horizon
      FROM realtime_events e
     WHERE ${after(from)}
     ORDER BY e.xid, e.id
     LIMIT ${limit}`);
  const first = rows[0];
  if (!first) return { ready: [], blocked: false, full: false };
  const horizon = BigInt(first.horizon);
  // (xid, id) order puts every deliverable row before every blocked one.
  const cut = rows.findIndex((r) => BigInt(r.xid) >= horizon);
  const ready = (cut < 0 ? rows : rows.slice(0, cut)).map(({ horizon: _h, ...row }) => row);
  return { ready, blocked: cut >= 0, full: rows.length === limit && cut < 0 };
}

/** Position of the newest deliverable row: where a freshly started pump begins. */
export async function outboxHead(db: CommonQueryMethods): Promise<Position> {
  const row = await db.maybeOne(sql.type(z.object({ xid: z.string(), id: z.number() }))`
    SELECT e.xid::text AS xid, e.id
      FROM realtime_events e
     WHERE e.xid < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY e.xid DESC, e.id DESC
     LIMIT 1`);
  return row ? positionOf(row) : { xid: 0n, id: 0n };
}

/** One page of a topic's deliverable events after `from`, for subscribe-with-since. */
export async function readTopicAfter(
  db: CommonQueryMethods,
  topic: string,
  from: Position,
  limit: number,
): Promise<readonly OutboxRow[]> {
  return db.any(sql.type(OutboxRow)`
    SELECT ${columns}
      FROM realtime_events e
     WHERE e.topics @> ARRAY[${topic}]::text[]
       AND ${after(from)}
       AND e.xid < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY e.xid, e.id
     LIMIT ${limit}`);
}

/** Highest position ever pruned; a cursor below it may have lost events. */
export async function retentionFloor(db: CommonQueryMethods): Promise<Position> {
  const row = await db.one(sql.type(z.object({ xid: z.string(), id: z.number() }))`
    SELECT floor_xid::text AS xid, floor_id AS id FROM realtime_retention`);
  return positionOf(row);
}

/** Deletes events older than the retention window and raises the floor; idempotent. */
export async function pruneOutbox(db: CommonQueryMethods, retentionHours: number): Promise<number> {
  return db.oneFirst(sql.type(z.object({ deleted: z.number() }))`
    WITH gone AS (
      DELETE FROM realtime_events
       WHERE occurred_at < now() - make_interval(secs => ${retentionHours * 3600})
      RETURNING xid, id
    ), top AS (
      SELECT xid, id FROM gone ORDER BY xid DESC, id DESC LIMIT 1
    ), raised AS (
      UPDATE realtime_retention r
         SET floor_xid = top.xid, floor_id = top.id
        FROM top
       WHERE (top.xid, top.id) > (r.floor_xid, r.floor_id)
      RETURNING 1
    )
    SELECT count(*)::int AS deleted FROM gone`);
}
