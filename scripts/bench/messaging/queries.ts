import pg from "pg";
import type { DatabasePool, Interceptor } from "slonik";
import { conversationHistory, countUnreadMessages } from "../../../server/db/messages.ts";
import { createDatabasePool } from "../../../server/db/pool.ts";
import { type TenantContext, withTenant } from "../../../server/db/tenant-context.ts";
import { conversationPage } from "../../../server/messages/conversations.ts";
import { type Stats, stats } from "../stats.ts";
import { benchUrls } from "./dataset.ts";

/**
 * The read side of direct messages at 1,000,000 messages, the way requests run it: as
 * sitesync_app through withTenant (BEGIN, set_config of the RLS context, the statements,
 * COMMIT) with the server's own functions, sequentially (one user's browser: each timing
 * is a request's database work, not queueing). Then every statement of each, captured
 * while it ran, is EXPLAIN ANALYZEd as sitesync_app under the busiest user's context.
 */
const ITERATIONS = 300;
const WARMUP = 30;
export const TARGET_P95_MS = 20;

type Subject = TenantContext & { userId: string; busiestThread: string; deepCursor: string | null };

type Captured = { sql: string; values: readonly unknown[] };

export type QueryReport = {
  data: Record<string, number | string>;
  timings: Array<{ name: string; stats: Stats }>;
  plans: Array<{ name: string; statements: string[] }>;
};

async function subjects(): Promise<{ subjects: Subject[]; data: QueryReport["data"] }> {
  const c = new pg.Client({ connectionString: benchUrls.service });
  await c.connect();
  try {
    // The 10 dispatchers (the busiest users) and 40 others at random.
    const { rows } = await c.query<{ id: string; organization_id: string; busiest: string }>(`
      WITH picked AS (
        (SELECT id, organization_id FROM users WHERE email LIKE 'bench-msg-%-1@bench.test')
        UNION ALL
        (SELECT id, organization_id FROM users
          WHERE email LIKE 'bench-msg-%' AND email NOT LIKE 'bench-msg-%-1@bench.test'
            AND EXISTS (SELECT 1 FROM conversations c WHERE c.user_id = users.id)
          ORDER BY md5(id::text) LIMIT 40))
      SELECT p.id, p.organization_id,
             (SELECT m.thread_id FROM messages m
               WHERE m.sender_id = p.id OR m.recipient_id = p.id
               GROUP BY m.thread_id ORDER BY count(*) DESC LIMIT 1) AS busiest
        FROM picked p`);
    const one = async (q: string, v: unknown[] = []) =>
      String((await c.query<{ v: string }>(q, v)).rows[0]?.v ?? "");
    const heavy = rows[0]?.id ?? "";
    const data = {
      messages: Number(await one("SELECT count(*) AS v FROM messages")),
      conversations: Number(await one("SELECT count(DISTINCT thread_id) AS v FROM conversations")),
      users: Number(await one("SELECT count(*) AS v FROM users WHERE email LIKE 'bench-msg-%'")),
      "busiest user: conversations": Number(
        await one("SELECT count(*) AS v FROM conversations WHERE user_id = $1", [heavy]),
      ),
      "busiest user: messages": Number(
        await one("SELECT count(*) AS v FROM messages WHERE sender_id = $1 OR recipient_id = $1", [
          heavy,
        ]),
      ),
      "busiest user: unread": Number(
        await one("SELECT count(*) AS v FROM messages WHERE recipient_id = $1 AND NOT is_read", [
          heavy,
        ]),
      ),
      "busiest conversation: messages": Number(
        await one("SELECT count(*) AS v FROM messages GROUP BY thread_id ORDER BY 1 DESC LIMIT 1"),
      ),
    };
    return {
      subjects: rows.map((r) => ({
        organizationId: r.organization_id,
        userId: r.id,
        busiestThread: r.busiest,
        deepCursor: null,
      })),
      data,
    };
  } finally {
    await c.end();
  }
}

/** A cursor 2,000 messages back in the subject's busiest conversation (or the oldest page). */
async function deepCursor(db: DatabasePool, s: Subject): Promise<string | null> {
  return withTenant(db, s, async (tx) => {
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const page = await conversationHistory(tx, s.busiestThread, { limit: 200, cursor });
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    return cursor;
  });
}

type Work = { name: string; run: (db: DatabasePool, s: Subject) => Promise<unknown> };

const WORK: Work[] = [
  {
    name: "conversation list (first page of 20, with last messages, partners, unread counts)",
    run: (db, s) => withTenant(db, s, (tx) => conversationPage(tx, { limit: 20 })),
  },
  {
    name: "conversation page (newest 50 of the user's busiest conversation)",
    run: (db, s) =>
      withTenant(db, s, (tx) => conversationHistory(tx, s.busiestThread, { limit: 50 })),
  },
  {
    name: "conversation page deep in history (cursor up to 2,000 messages back)",
    run: (db, s) =>
      withTenant(db, s, (tx) =>
        conversationHistory(tx, s.busiestThread, { limit: 50, cursor: s.deepCursor }),
      ),
  },
  {
    name: "unread count (all of the user's conversations)",
    run: (db, s) => withTenant(db, s, countUnreadMessages),
  },
];

export async function runQueryBench(): Promise<QueryReport> {
  const { subjects: list, data } = await subjects();
  if (list.length === 0) throw new Error("no bench users: build the data set first");
  const db = await createDatabasePool(benchUrls.app, { maxPoolSize: 2, name: "bench" });
  for (const s of list) s.deepCursor = await deepCursor(db, s);
  const timings: QueryReport["timings"] = [];
  for (const work of WORK) {
    for (let i = 0; i < WARMUP; i++) await work.run(db, list[i % list.length]!);
    const samples: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const s = list[i % list.length]!;
      const started = performance.now();
      await work.run(db, s);
      samples.push(performance.now() - started);
    }
    timings.push({ name: work.name, stats: stats(samples) });
  }
  await db.end();
  return { data, timings, plans: await explainAll(list[0]!) };
}

/** Runs each piece of work once through a pool that records its statements, then explains them. */
async function explainAll(s: Subject): Promise<QueryReport["plans"]> {
  let captured: Captured[] = [];
  const capture: Interceptor = {
    name: "bench-capture",
    beforeQueryExecution: (_context, query) => {
      captured.push({ sql: query.sql, values: query.values });
      return null;
    },
  };
  const db = await createDatabasePool(benchUrls.app, {
    maxPoolSize: 1,
    name: "explain",
    interceptors: [capture],
  });
  const client = new pg.Client({ connectionString: benchUrls.app });
  await client.connect();
  const plans: QueryReport["plans"] = [];
  try {
    for (const work of WORK) {
      captured = [];
      await work.run(db, s);
      const statements: string[] = [];
      await client.query("BEGIN");
      await client.query(
        "SELECT set_config('app.current_org', $1, true), set_config('app.current_user', $2, true)",
        [s.organizationId ?? "", s.userId],
      );
      const explainable = captured.filter(
        (q) => /^\s*(SELECT|WITH)/i.test(q.sql) && !q.sql.includes("set_config("),
      );
      for (const q of explainable) {
        const { rows } = await client.query<{ "QUERY PLAN": string }>(
          `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON) ${q.sql}`,
          [...q.values],
        );
        statements.push(rows.map((r) => r["QUERY PLAN"]).join("\n"));
      }
      await client.query("ROLLBACK");
      plans.push({ name: work.name, statements });
    }
  } finally {
    await client.end();
    await db.end();
  }
  return plans;
}
