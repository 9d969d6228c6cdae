import type { StandardSchemaV1 } from "@standard-schema/spec";
import { type CommonQueryMethods, sql } from "slonik";
import { z } from "zod";
import type { Position } from "../../shared/realtime/cursor.ts";

/**
 * The realtime outbox (migrations/0050). Read only with the service pool: the relay is
 * cross-tenant by nature; admission is decided per socket at subscribe time.
 *
 * Ordering rule (docs/realtime.md): a row is readable only once its transaction id is
 * below the horizon: every transaction of this database that could still add a row before
 * it has finished. Rows are taken in (xid, id) order, so a reader never skips one.
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
  /**
   * When the row's transaction committed: live reads only (readOutboxAfter), for the relay
   * lag metric. Null when the server does not track commit times. Never sent to clients.
   */
  committed_at: z.string().nullable().optional(),
});
export type OutboxRow = z.infer<typeof OutboxRow>;

/**
 * The vendor of `trusted()`: the pool's row parser (server/db/pool.ts) passes such rows
 * through as they are.
 */
export const TRUSTED_ROWS = "sitesync-trusted";

/**
 * A result type the SQL itself guarantees, with no per-row validation: for the relay's hot
 * reads (the pump's every read, replay pages), whose columns are the outbox's own, typed by
 * the table and the casts in the statement, and whose rows are many (zod checked each field
 * of each row: in a replay storm pg, slonik and zod parsing were ~30 % of the hub's CPU).
 * The type is `T`'s; test/realtime-capture.test.ts checks that every row these reads return
 * parses as `OutboxRow` with no key left over, so the SQL and the type cannot drift apart
 * unnoticed.
 */
const trusted = <T>(): StandardSchemaV1<T, T> => ({
  "~standard": {
    version: 1,
    vendor: TRUSTED_ROWS,
    validate: (value) => ({ value: value as T }),
  },
});

const columns = sql.fragment`
  e.id, e.xid::text AS xid, e.topics, e.type, e.entity_type, e.entity_id, e.organization_id,
  e.actor_id, e.changes, e.data, e.occurred_at`;

/**
 * `occurred_at` is the statement's time: a long transaction would count its remaining
 * duration as relay lag. The commit time needs track_commit_timestamp (a restart-only
 * setting); without it pg_xact_commit_timestamp raises, so it is only called when on.
 */
const withCommitTime = sql.fragment`${columns}, pg_xact_commit_timestamp(xid(e.xid)) AS committed_at`;
const withoutCommitTime = sql.fragment`${columns}, NULL::timestamptz AS committed_at`;

/**
 * Whether the server records commit times (the hub reads it at start and after each
 * listener reconnect, since only a server restart can change it).
 */
export async function detectCommitTimestamps(db: CommonQueryMethods): Promise<boolean> {
  return (
    (await db.oneFirst(sql.type(z.object({ track_commit_timestamp: z.string() }))`
      SHOW track_commit_timestamp`)) === "on"
  );
}

export const positionOf = (row: { xid: string; id: number }): Position => ({
  xid: BigInt(row.xid),
  id: BigInt(row.id),
});

const after = (p: Position) =>
  sql.fragment`(e.xid, e.id) > (${p.xid.toString()}::xid8, ${p.id.toString()}::bigint)`;

/**
 * The snapshot's xmin is cluster-wide: a long transaction in ANOTHER database (a bulk load,
 * a benchmark) would hold every event back. This horizon ignores in-progress transactions
 * that provably belong to another database (their xid lock is held by a backend connected
 * elsewhere); anything unproven counts as ours, so it can only be too cautious, never skip.
 * Evaluated in the same statement (same snapshot) as the rows it filters.
 */
const ourHorizon = sql.fragment`
  coalesce(
    (SELECT min(x) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
      WHERE NOT EXISTS (
        SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted
           AND l.transactionid = xid(x)
           AND a.datname IS NOT NULL AND a.datname <> current_database())),
    pg_snapshot_xmax(pg_current_snapshot()))`;

/** Each read also returns the horizon and the statement's start (Postgres's clock, epoch ms). */
type Read = OutboxRow & { horizon: string; read_at: number };
const strip = ({ horizon: _h, read_at: _r, ...row }: Read): OutboxRow => row;
const readAt = sql.fragment`(extract(epoch FROM statement_timestamp()) * 1000)::float8 AS read_at`;

/**
 * How long the oldest of `rows` had been committed when the read ran, in ms, both times on
 * Postgres's clock (so no clock skew between the hub and the database enters it). The commit
 * time when the server records it, else the row's statement time. Null without rows.
 */
function oldestWait(rows: readonly Read[]): number | null {
  const first = rows[0];
  if (!first) return null;
  return first.read_at - Date.parse(first.committed_at ?? first.occurred_at);
}

/**
 * The next rows after `from`. `ready` is the prefix that is safe to deliver; `blocked` says
 * committed rows exist behind an older open transaction (retry soon: its commit may not
 * NOTIFY if it writes no events itself). The cheap xmin test runs first; the per-database
 * horizon (a pg_locks join, costly at hundreds of reads a second) only when `refine` is
 * asked for, which the pump does once the cheap test has stopped making progress.
 * `waitedMs`: how long the first ready row had been committed when the read ran (the pump's
 * backlog measure), null when nothing is ready.
 */
export type OutboxRead = {
  ready: OutboxRow[];
  blocked: boolean;
  full: boolean;
  waitedMs: number | null;
  /**
   * Refined reads only: a transaction of another database holds the cluster-wide xmin below
   * this database's horizon, so the cheap test would hold rows back again on the next read.
   */
  foreignHold: boolean;
  /** Whether any row after `from` exists, deliverable or not (else the read says nothing). */
  seen: boolean;
};

export async function readOutboxAfter(
  db: CommonQueryMethods,
  from: Position,
  limit: number,
  refine = true,
  commitTimes = false,
  /**
   * Skip the cheap test and read with this database's horizon at once, in one statement: the
   * pump asks for it while the last refined read showed another database holding xmin down,
   * when the cheap test would only find every new row held back (two statements per read).
   */
  refinedOnly = false,
): Promise<OutboxRead> {
  const liveColumns = commitTimes ? withCommitTime : withoutCommitTime;
  if (refine && refinedOnly) return readRefined(db, from, limit, liveColumns);
  const rows = await db.any(sql.type(trusted<Read>())`
    SELECT ${liveColumns}, pg_snapshot_xmin(pg_current_snapshot())::text AS horizon, ${readAt}
      FROM realtime_events e
     WHERE ${after(from)}
     ORDER BY e.xid, e.id
     LIMIT ${limit}`);
  const first = rows[0];
  if (!first)
    return {
      ready: [],
      blocked: false,
      full: false,
      waitedMs: null,
      foreignHold: false,
      seen: false,
    };
  // (xid, id) order puts every deliverable row before every blocked one.
  const cut = rows.findIndex((r) => BigInt(r.xid) >= BigInt(first.horizon));
  if (cut < 0)
    return {
      ready: rows.map(strip),
      blocked: false,
      full: rows.length === limit,
      waitedMs: oldestWait(rows),
      foreignHold: false,
      seen: true,
    };
  const fast = rows.slice(0, cut);
  if (!refine)
    return {
      ready: fast.map(strip),
      blocked: true,
      full: false,
      waitedMs: oldestWait(fast),
      foreignHold: false,
      seen: true,
    };

  // The cluster-wide xmin beside this database's horizon, in the same snapshot: when it is
  // lower, another database's transaction holds it down.
  const refined = await db.any(sql.type(trusted<Read & { xmin: string }>())`
    WITH h AS (SELECT ${ourHorizon} AS horizon)
    SELECT ${liveColumns}, h.horizon::text AS horizon, ${readAt},
           pg_snapshot_xmin(pg_current_snapshot())::text AS xmin
      FROM realtime_events e, h
     WHERE ${after(from)} AND e.xid < h.horizon
     ORDER BY e.xid, e.id
     LIMIT ${limit}`);
  const horizon = refined[0] ? BigInt(refined[0].horizon) : 0n;
  const blocked = horizon === 0n || rows.some((r) => BigInt(r.xid) >= horizon);
  return {
    ready: refined.map(({ xmin: _x, ...row }) => strip(row)),
    blocked,
    full: refined.length === limit,
    waitedMs: oldestWait(refined),
    foreignHold: refined[0] !== undefined && horizon > BigInt(refined[0].xmin),
    seen: true,
  };
}

/**
 * A refined read's horizons and rows (`page_xid` is the page's sort key); a row with a null
 * id when nothing is deliverable.
 */
type RefinedMeta = { horizon: string; xmin: string; read_at: number; held: boolean };
type RefinedRow =
  | (OutboxRow & RefinedMeta & { page_xid: string })
  | (RefinedMeta & { id: null; page_xid: null });

/**
 * The read with this database's horizon alone, in one statement (one snapshot): the rows
 * below it, whether any row after `from` is held back at or above it, and the cluster-wide
 * xmin beside it (another database holds it down while it is lower).
 */
async function readRefined(
  db: CommonQueryMethods,
  from: Position,
  limit: number,
  liveColumns: typeof withCommitTime,
): Promise<OutboxRead> {
  const result = await db.any(sql.type(trusted<RefinedRow>())`
    WITH h AS (
      SELECT ${ourHorizon} AS horizon, pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
    SELECT h.horizon::text AS horizon, h.xmin::text AS xmin, ${readAt},
           EXISTS (SELECT 1 FROM realtime_events e
                    WHERE ${after(from)} AND e.xid >= h.horizon) AS held,
           p.*
      FROM h
      LEFT JOIN LATERAL (
        SELECT ${liveColumns}, e.xid AS page_xid
          FROM realtime_events e
         WHERE ${after(from)} AND e.xid < h.horizon
         ORDER BY e.xid, e.id
         LIMIT ${limit}) p ON true
     ORDER BY p.page_xid, p.id`);
  const first = result[0];
  if (!first) throw new Error("the refined outbox read returned no row");
  const rows: Read[] = [];
  for (const r of result) {
    if (r.id === null) continue;
    const { xmin: _x, held: _h, page_xid: _p, ...row } = r;
    rows.push(row);
  }
  return {
    ready: rows.map(strip),
    blocked: first.held,
    full: rows.length === limit,
    waitedMs: oldestWait(rows),
    foreignHold: BigInt(first.horizon) > BigInt(first.xmin),
    seen: rows.length > 0 || first.held,
  };
}

/** Position of the newest deliverable row: where a freshly started pump begins. */
export async function outboxHead(db: CommonQueryMethods): Promise<Position> {
  const row = await db.maybeOne(sql.type(z.object({ xid: z.string(), id: z.number() }))`
    SELECT e.xid::text AS xid, e.id
      FROM realtime_events e
     WHERE e.xid < ${ourHorizon}
     ORDER BY e.xid DESC, e.id DESC
     LIMIT 1`);
  return row ? positionOf(row) : { xid: 0n, id: 0n };
}

/** One page of a topic's deliverable events after `from`, for subscribe-with-since. */
type Floor = { floor_xid: string; floor_id: number };
/** `page_xid` is the page's sort key; a row with a null id when the page is empty. */
type PageRow = (OutboxRow & Floor & { page_xid: string }) | (Floor & { id: null; page_xid: null });

/**
 * A replay page and the retention floor, read in one statement (one snapshot, one round
 * trip: a reconnect storm makes thousands of these at once). Pruning deletes events and
 * raises the floor in the same statement, so when `floor` is not above the replay's cursor
 * no event after the cursor had been pruned when these rows were read.
 */
export type TopicPage = { rows: OutboxRow[]; floor: Position };

export async function readTopicPage(
  db: CommonQueryMethods,
  topic: string,
  from: Position,
  limit: number,
): Promise<TopicPage> {
  const result = await db.any(sql.type(trusted<PageRow>())`
    SELECT f.floor_xid::text AS floor_xid, f.floor_id, p.*
      FROM realtime_retention f
      LEFT JOIN LATERAL (
        SELECT ${columns}, e.xid AS page_xid
          FROM realtime_events e
         WHERE e.topics @> ARRAY[${topic}]::text[]
           AND ${after(from)}
           AND e.xid < ${ourHorizon}
         ORDER BY e.xid, e.id
         LIMIT ${limit}) p ON true
     ORDER BY p.page_xid, p.id`);
  const first = result[0];
  if (!first) throw new Error("realtime_retention has no row");
  const floor = positionOf({ xid: first.floor_xid, id: first.floor_id });
  const rows: OutboxRow[] = [];
  for (const r of result) {
    if (r.id === null) continue;
    const { floor_xid: _x, floor_id: _i, page_xid: _p, ...row } = r;
    rows.push(row);
  }
  return { rows, floor };
}

/** Highest position ever pruned; a cursor below it may have lost events. */
export async function retentionFloor(db: CommonQueryMethods): Promise<Position> {
  const row = await db.one(sql.type(z.object({ xid: z.string(), id: z.number() }))`
    SELECT floor_xid::text AS xid, floor_id AS id FROM realtime_retention`);
  return positionOf(row);
}

/**
 * Deletes events older than the retention window (up to `limit` of the oldest, when given)
 * and raises the floor to the highest position deleted, in the same statement: a replay
 * from a cursor below a deleted event then answers reset. Idempotent; concurrent calls
 * take different rows (SKIP LOCKED) and the floor only ever rises.
 */
export async function pruneOutbox(
  db: CommonQueryMethods,
  retentionHours: number,
  limit?: number,
): Promise<number> {
  const cutoff = sql.fragment`now() - make_interval(secs => ${retentionHours * 3600})`;
  const batch =
    limit === undefined
      ? sql.fragment`SELECT id FROM realtime_events WHERE occurred_at < ${cutoff}`
      : sql.fragment`
          SELECT id FROM realtime_events WHERE occurred_at < ${cutoff}
           ORDER BY occurred_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
  return db.oneFirst(sql.type(z.object({ deleted: z.number() }))`
    WITH gone AS (
      DELETE FROM realtime_events WHERE id IN (${batch})
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
