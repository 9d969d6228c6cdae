/**
 * Forum thread page benchmark (docs/benchmarks.md, "Forum thread page").
 *
 *   npm run bench:forum [-- --seed 1]     the measurement, appended to docs/benchmarks.md
 *   npm run bench:forum -- --smoke        3,000 posts in 100 threads, 30 pages per kind:
 *                                         checks that the bench works; printed, never recorded
 *
 * A private database (never a test database) with the demo data set, plus 100,000 forum
 * posts in 2,000 threads over five categories of every visibility (one moderated): most
 * threads have 10–60 posts, 1 in 50 is a hot thread of ~1,000. Then, as the app role under
 * RLS (withTenant, as a request runs), a technician of another organisation than most
 * authors loads thread pages the way the API serves them: the thread
 * (GET /forum-threads/:id) and its first page of 50 posts, oldest first
 * (GET /forum-posts?thread_id=…&sort=created_at), each with the anonymous-author
 * projection. Timed: 1,000 pages over random threads, 300 pages of hot threads, 300
 * deep pages (the 10th page of a hot thread). Prints and records p50/p95/p99 and the
 * plans of every statement a hot thread's page sends (captured from the server's own code,
 * EXPLAIN ANALYZEd as sitesync_app under the reader's RLS context).
 */
import { performance } from "node:perf_hooks";
import pg from "pg";
import { type DatabasePool, sql } from "slonik";
import { z } from "zod";
import type { Principal } from "../server/auth/principal.ts";
import { type ListInput, rowsOf } from "../server/db/resource-rows.ts";
import { withTenant } from "../server/db/tenant-context.ts";
import { env } from "../server/env.ts";
import { forumPostRules } from "../server/resources/forum-posts.ts";
import { forumThreadRules } from "../server/resources/forum-threads.ts";
import { forumPosts } from "../shared/resources/forum-posts.ts";
import { forumThreads } from "../shared/resources/forum-threads.ts";
import { explainStatements } from "./bench/explain.ts";
import { appendRun, demoDatabase, runHeader, table, withDatabase } from "./bench/quality-db.ts";
import { ms, stats } from "./bench/stats.ts";

const args = process.argv.slice(2);
const SEED = args.includes("--seed") ? Number(args[args.indexOf("--seed") + 1]) : 1;
const SMOKE = args.includes("--smoke");
const TARGET_P95_MS = 20;
const THREADS = SMOKE ? 100 : 2_000;
const POSTS = SMOKE ? 3_000 : 100_000;
/** Posts of each hot thread (every 50th thread). */
const HOT_POSTS = SMOKE ? 600 : 1_000;
/** Timed pages per kind (random, hot, deep), after 30 untimed ones each. */
const SAMPLES = SMOKE ? [30, 30, 30] : [1_000, 300, 300];

async function main() {
  const name = `sitesync_bench_forum_${process.pid}`;
  const bench = await demoDatabase(name, SEED, "2026-06-01");
  const { runtime } = bench;
  try {
    const db = runtime.serviceDb;
    const Ids = z.object({ id: z.string(), organization_id: z.string() });
    const authors = await db.any(sql.type(Ids)`
      SELECT id, organization_id FROM users
       WHERE organization_id IS NOT NULL AND deleted_at IS NULL ORDER BY id LIMIT 200`);
    const reader = await db.one(sql.type(Ids.extend({ role: z.string() }))`
      SELECT id, organization_id, role FROM users WHERE user_type = 'technician'
         AND organization_id <> ${authors[0]!.organization_id} ORDER BY id LIMIT 1`);
    const orgOf = authors[0]!.organization_id;
    const t0 = performance.now();
    // Five categories: public, authenticated, technicians only, one organisation's, moderated.
    await db.query(sql.unsafe`
      INSERT INTO forum_categories (name, slug, scope_type, scope_value, visibility, required_user_type,
                                    requires_moderation, allow_anonymous, organization_id)
      VALUES ('Bench public', 'bench-public', 'trade', 'elevators', 'public', NULL, false, true, NULL),
             ('Bench signed-in', 'bench-auth', 'trade', 'elevators', 'authenticated', NULL, false, false, NULL),
             ('Bench techs', 'bench-techs', 'manufacturer', 'KONE', 'role_based', 'technician', false, false, NULL),
             ('Bench org', 'bench-org', 'organization', ${orgOf}, 'organization', NULL, false, false, ${orgOf}),
             ('Bench moderated', 'bench-moderated', 'trade', 'elevators', 'authenticated', NULL, true, false, NULL)`);
    const authorIds = sql.array(
      authors.map((a) => a.id),
      "uuid",
    );
    // Threads: round-robin over the categories; every 50th is a hot one.
    await db.query(sql.unsafe`
      INSERT INTO forum_threads (category_id, author_id, title, slug, content, content_html, tags,
                                 fault_code, created_at)
      SELECT c.id, (${authorIds})[1 + (g % ${authors.length})],
             'Bench thread ' || g, 'bench-thread-' || g, 'Opening text ' || g, '<p>Opening text ' || g || '</p>',
             ARRAY['bench'], 'E' || (g % 97), now() - interval '200 days' + g * interval '1 hour'
        FROM generate_series(1, ${THREADS}) g
        JOIN LATERAL (SELECT id FROM forum_categories WHERE slug LIKE 'bench-%'
                       ORDER BY slug OFFSET (g % 5) LIMIT 1) c ON true`);
    const Thread = z.object({ id: z.string(), n: z.number() });
    const threads = await db.any(sql.type(Thread)`
      SELECT t.id, CASE WHEN row_number() OVER (ORDER BY t.created_at) % 50 = 0 THEN 1 ELSE 0 END AS n
        FROM forum_threads t JOIN forum_categories c ON c.id = t.category_id
       WHERE c.slug LIKE 'bench-%' ORDER BY t.created_at`);
    const hot = threads.filter((t) => t.n === 1).map((t) => t.id);
    const normal = threads.filter((t) => t.n === 0).map((t) => t.id);
    const hotPosts = HOT_POSTS * hot.length;
    const perNormal = Math.ceil((POSTS - hotPosts) / normal.length); // at least POSTS in all
    // Posts: ~1,000 per hot thread, the rest spread evenly (10–60 around the mean).
    // In chunks of ~5,000 posts: each row's counter triggers cost about a millisecond, and one
    // statement for everything would pass the pool's 30 s statement timeout.
    const insertPosts = async (allThreadIds: string[], per: number, spread: number) => {
      const chunk = Math.max(1, Math.floor(5_000 / Math.max(1, per)));
      for (let from = 0; from < allThreadIds.length; from += chunk) {
        await insertPostChunk(allThreadIds.slice(from, from + chunk), from, per, spread);
      }
    };
    const insertPostChunk = async (
      threadIds: string[],
      offset: number,
      per: number,
      spread: number,
    ) => {
      await db.query(sql.unsafe`
        INSERT INTO forum_posts (thread_id, author_id, content, content_html, is_anonymous, created_at)
        SELECT t.id, (${authorIds})[1 + ((i + k) % ${authors.length})],
               'Reply ' || i || ' to ' || k, '<p>Reply ' || i || '</p>', i % 20 = 0,
               now() - interval '150 days' + i * interval '1 minute' + k * interval '1 second'
          FROM (SELECT id, k + ${offset} AS k
                  FROM unnest(${sql.array(threadIds, "uuid")}::uuid[]) WITH ORDINALITY AS u(id, k)) t,
               LATERAL generate_series(1, ${per} + ((k * 7919) % ${spread + 1})::int - ${Math.floor(spread / 2)}) i`);
    };
    await insertPosts(hot, HOT_POSTS, 0);
    await insertPosts(normal, perNormal, Math.min(50, perNormal * 2 - 20));
    // Fresh statistics for the planner; ANALYZE is the tables' owner's (the migration role).
    const owner = new pg.Client({
      connectionString: withDatabase(env.MIGRATION_DATABASE_URL, name),
    });
    await owner.connect();
    await owner.query("ANALYZE forum_posts, forum_threads, forum_categories");
    await owner.end();
    const counts = await db.one(sql.type(
      z.object({ posts: z.number(), threads: z.number(), max: z.number() }),
    )`
      SELECT (SELECT count(*)::int FROM forum_posts) AS posts,
             (SELECT count(*)::int FROM forum_threads) AS threads,
             (SELECT max(reply_count)::int FROM forum_threads) AS max`);
    const loadSeconds = (performance.now() - t0) / 1000;
    console.log(
      `loaded ${counts.posts} posts in ${counts.threads} threads in ${loadSeconds.toFixed(0)} s`,
    );

    const principal: Principal = {
      kind: "user",
      userId: reader.id,
      organizationId: reader.organization_id,
      role: reader.role as Principal["role"],
      sessionId: null,
      apiKeyId: null,
      scopes: null,
      rateLimitPerHour: null,
      expiresAt: null,
      tenantPortal: null,
    };
    const context = { organizationId: reader.organization_id, userId: reader.id };
    const audit = { actorId: reader.id, actorType: "user" as const };
    const threadRows = rowsOf(forumThreads);
    const postRows = rowsOf(forumPosts);
    const page = async (threadId: string, pages: number, pool: DatabasePool = runtime.db) => {
      const started = performance.now();
      await withTenant(pool, context, async (tx) => {
        const row = await threadRows.find(tx, threadId);
        if (row) await forumThreadRules.rules.present!({ tx, principal, audit }, [row]);
      });
      let cursor: string | null = null;
      for (let i = 0; i < pages; i++) {
        cursor = await withTenant(pool, context, async (tx) => {
          const query = forumPosts.listQuery.parse({
            thread_id: threadId,
            sort: "created_at",
            limit: "50",
            ...(cursor ? { cursor } : {}),
          }) as ListInput;
          const result = await postRows.list(tx, query);
          await forumPostRules.rules.present!({ tx, principal, audit }, result.data);
          return result.next_cursor;
        });
      }
      return performance.now() - started;
    };
    const visible = await withTenant(runtime.db, context, (tx) =>
      tx.anyFirst(sql.type(z.object({ id: z.string() }))`
        SELECT id FROM forum_threads WHERE id = ANY(${sql.array(
          threads.map((t) => t.id),
          "uuid",
        )})`),
    );
    const visibleSet = new Set(visible);
    const pick = (ids: string[]) => {
      const seen = ids.filter((id) => visibleSet.has(id));
      return () => seen[Math.floor(Math.random() * seen.length)]!;
    };
    const runs: Array<[string, () => string, number, number]> = [
      ["random thread, first page", pick(threads.map((t) => t.id)), 1, SAMPLES[0]!],
      [`hot thread (~${HOT_POSTS} posts), first page`, pick(hot), 1, SAMPLES[1]!],
      ["hot thread, 10th page", pick(hot), 10, SAMPLES[2]!],
    ];
    const rows: Array<Array<string | number>> = [];
    let worstP95 = 0;
    for (const [label, next, pages, n] of runs) {
      for (let i = 0; i < 30; i++) await page(next(), pages);
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const ms = await page(next(), pages);
        // A deep page is timed for its last page only: the average of the walk.
        times.push(pages === 1 ? ms : ms / pages);
      }
      const t = stats(times);
      if (pages === 1) worstP95 = Math.max(worstP95, t.p95);
      rows.push([label, n, ms(t.p50), ms(t.p95), ms(t.p99)]);
      console.log(`${label}: p50 ${ms(t.p50)} ms, p95 ${ms(t.p95)} ms, p99 ${ms(t.p99)} ms`);
    }
    // The plans of every statement one hot thread page sends, as the app role under RLS.
    const plans = await explainStatements(withDatabase(env.DATABASE_URL, name), context, (pool) =>
      page(pick(hot)(), 1, pool),
    );
    const verdict = worstP95 <= TARGET_P95_MS ? "met" : "NOT met";
    console.log(plans.join("\n\n"));
    if (SMOKE) {
      console.log(
        `smoke run (${counts.posts} posts): not recorded; target ${verdict} at this size`,
      );
      return;
    }
    await appendRun(
      "Forum thread page",
      `\`npm run bench:forum\` (scripts/bench-forum.ts): a private database with the demo data and
100,000 forum posts in 2,000 threads (every 50th thread ~1,000 posts), five categories of
every visibility. A thread page is the thread and its first 50 posts oldest first, read as
the app role under RLS (withTenant) by a technician of another organisation, with the
anonymous-author projection, exactly as \`GET /forum-threads/:id\` and
\`GET /forum-posts?thread_id=…&sort=created_at\` run them. Target: p95 ≤ ${TARGET_P95_MS} ms.`,
      `### Run ${new Date().toISOString().slice(0, 10)}

${runHeader()}
- Data: ${counts.posts} posts, ${counts.threads} threads (largest ${counts.max} replies), loaded in ${loadSeconds.toFixed(0)} s

${table(["page", "n", "p50 ms", "p95 ms", "p99 ms"], rows)}

Target (first pages, p95 ≤ ${TARGET_P95_MS} ms): **${verdict}**. Deep pages are per page of a
10-page walk. Plans of every statement a hot thread's first page sends (captured from the
server's code, EXPLAIN ANALYZEd as sitesync_app under the reader's RLS context):

${plans.map((p) => `\`\`\`\n${p}\n\`\`\``).join("\n\n")}`,
    );
  } finally {
    await bench.close();
  }
}

await main();
process.exit(0);
