/**
 * Dispatch board benchmark: GET /api/v1/dispatch-board's query at 1,000,000 work orders,
 * run the way requests run it (sitesync_app, RLS context via withTenant, one transaction).
 *
 *   npm run bench:dispatch               reuse sitesync_bench if it already holds the data
 *   npm run bench:dispatch -- --fresh    drop and rebuild sitesync_bench first
 *
 * Builds a dedicated database `sitesync_bench` from the extension-ready base database
 * (as test/setup does), migrates it, loads 20 organisations × 50,000 work orders with one
 * INSERT ... SELECT generate_series (scripts/data/dispatch-dataset.sql), then times
 * warm-up + 500 board reads spread over 5 organisations, and 200 with ?site_id=.
 * Prints p50/p95/p99 and the plan, and writes the "Dispatch board" section of
 * docs/benchmarks.md.
 */
import { execSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { sql } from "slonik";
import { z } from "zod";
import { createDatabaseFrom, dropDatabase } from "../server/db/databases.ts";
import { dispatchBoard } from "../server/db/dispatch-board.ts";
import { migrate } from "../server/db/migrate.ts";
import { createDatabasePool } from "../server/db/pool.ts";
import { withTenant } from "../server/db/tenant-context.ts";
import { env } from "../server/env.ts";
import { admin, withDatabase } from "./bench/quality-db.ts";
import { ms, type Stats, stats } from "./bench/stats.ts";
import { explainDispatch, type PlanNode, planNodes, scanSummary } from "./data/explain-dispatch.ts";
import { loadDispatchDataset } from "./data/generate-dispatch.ts";

const BENCH_DB = "sitesync_bench";
const BASE_DB = "sitesync_test";
const ORGS = 20;
const PER_ORG = 50_000;
const ITERATIONS = 500;
const SITE_ITERATIONS = 200;
const WARMUP = 50;
const TARGET_P95_MS = 20;

const ownerUrl = withDatabase(env.MIGRATION_DATABASE_URL, BENCH_DB);
const appUrl = withDatabase(env.DATABASE_URL, BENCH_DB);
const serviceUrl = withDatabase(env.SERVICE_DATABASE_URL, BENCH_DB);

async function workOrderCount(): Promise<number> {
  const c = new pg.Client({ connectionString: serviceUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: string }>("SELECT count(*) AS n FROM work_orders");
    return Number(rows[0]?.n ?? 0);
  } catch {
    return 0;
  } finally {
    await c.end();
  }
}

async function prepareDatabase(fresh: boolean): Promise<void> {
  const exists = await admin(
    async (c) =>
      (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [BENCH_DB])).rowCount === 1,
  );
  if (exists && !fresh) {
    await migrate(ownerUrl);
    const n = await workOrderCount();
    if (n >= ORGS * PER_ORG) {
      console.log(`reusing ${BENCH_DB} (${n.toLocaleString()} work orders); --fresh rebuilds it`);
      return;
    }
  }
  await admin(async (c) => {
    await dropDatabase(c, BENCH_DB);
    // A test run may be copying the same template right now.
    await createDatabaseFrom(c, BENCH_DB, BASE_DB);
  });
  const migrated = await migrate(ownerUrl);
  console.log(`created ${BENCH_DB}, applied ${migrated.applied.length} migrations`);
  console.log(`loading ${ORGS} organisations × ${PER_ORG.toLocaleString()} work orders…`);
  const { seconds } = await loadDispatchDataset(ownerUrl, { orgs: ORGS, perOrg: PER_ORG });
  console.log(`loaded in ${seconds.toFixed(1)} s (insert + VACUUM ANALYZE)`);
}

function seqScanNote(...plans: PlanNode[]): string {
  const seq = plans
    .flatMap(planNodes)
    .filter((n) => n["Node Type"] === "Seq Scan" && n["Relation Name"] === "work_orders");
  return seq.length === 0
    ? "No sequential scan touches work_orders."
    : `**${seq.length} sequential scan(s) of work_orders: the indexes are not being used.**`;
}
const sh = (cmd: string) => {
  try {
    return execSync(cmd, { encoding: "utf8" }).trim();
  } catch {
    return "n/a";
  }
};

async function main(): Promise<void> {
  const fresh = process.argv.includes("--fresh");
  await prepareDatabase(fresh);

  const service = new pg.Client({ connectionString: serviceUrl });
  await service.connect();
  const orgs = (
    await service.query<{ id: string; user_id: string; site_id: string }>(`
      SELECT o.id,
             (SELECT u.id FROM users u WHERE u.organization_id = o.id LIMIT 1) AS user_id,
             (SELECT s.id FROM sites s WHERE s.organization_id = o.id ORDER BY s.id LIMIT 1) AS site_id
        FROM organizations o WHERE o.slug LIKE 'bench-org-%' ORDER BY o.slug LIMIT 5`)
  ).rows;
  const total = Number((await service.query("SELECT count(*) AS n FROM work_orders")).rows[0].n);
  const open = Number(
    (
      await service.query(
        "SELECT count(*) AS n FROM work_orders WHERE status IN ('pending','scheduled','in_progress','on_hold')",
      )
    ).rows[0].n,
  );
  await service.end();
  if (orgs.length === 0) throw new Error("no bench organisations found");

  // The same pool settings as the API (DB_POOL_SIZE); requests are sequential, like one
  // dispatcher's browser, so each timing is one request's latency, not queueing.
  const db = await createDatabasePool(appUrl, { maxPoolSize: env.DB_POOL_SIZE, name: "bench" });
  const read = async (i: number, bySite: boolean) => {
    const org = orgs[i % orgs.length]!;
    const started = performance.now();
    const columns = await withTenant(db, { organizationId: org.id, userId: org.user_id }, (tx) =>
      dispatchBoard(tx, {
        limit_per_status: 50,
        ...(bySite ? { site_id: org.site_id } : {}),
      }),
    );
    const elapsed = performance.now() - started;
    if (columns.length !== 4) throw new Error("unexpected board shape");
    return elapsed;
  };
  for (let i = 0; i < WARMUP; i++) await read(i, i % 2 === 0);
  const board: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) board.push(await read(i, false));
  const site: number[] = [];
  for (let i = 0; i < SITE_ITERATIONS; i++) site.push(await read(i, true));
  const boardSize = await withTenant(db, { organizationId: orgs[0]!.id, userId: null }, (tx) =>
    tx.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM work_orders
       WHERE status IN ('pending','scheduled','in_progress','on_hold')`),
  );
  await db.end();

  const explained = await explainDispatch(appUrl, {
    organizationId: orgs[0]!.id,
    mode: "generic",
    analyze: true,
  });
  const explainedSite = await explainDispatch(appUrl, {
    organizationId: orgs[0]!.id,
    siteId: orgs[0]!.site_id,
    mode: "generic",
    analyze: true,
  });

  const b = stats(board);
  const s = stats(site);
  const verdict = b.p95 <= TARGET_P95_MS && s.p95 <= TARGET_P95_MS ? "PASS" : "FAIL";
  const row = (name: string, x: Stats) =>
    `| ${name} | ${x.n} | ${ms(x.p50)} | ${ms(x.p95)} | ${ms(x.p99)} | ${ms(x.max)} | ${ms(x.mean)} |`;
  const table = [
    "| query | n | p50 ms | p95 ms | p99 ms | max ms | mean ms |",
    "|---|---|---|---|---|---|---|",
    row("board (4 columns × 50)", b),
    row("board ?site_id=", s),
  ].join("\n");
  console.log(`\n${table}\n\np95 target ≤ ${TARGET_P95_MS} ms: ${verdict}`);

  const scans = (plan: typeof explained.plan) =>
    [...new Set(scanSummary(plan))].map((line) => `  - ${line}`).join("\n");
  const section = `## Dispatch board

\`npm run bench:dispatch\` (scripts/bench-dispatch.ts). Generated; re-running replaces this section.

- Date: ${new Date().toISOString()}
- Commit: ${sh("git rev-parse --short HEAD")}${sh("git status --porcelain --untracked-files=no -- server shared migrations scripts") === "" ? "" : " (with uncommitted changes in the working tree)"}
- Machine: ${os.cpus().length} CPUs per \`nproc\` = ${sh("nproc")}, \`free -g\` total ${sh("free -g | awk '/^Mem:/ {print $2}'")} GiB, load average before the run ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(
      " ",
    )} (the machine is shared with other engineers' test runs), Node ${process.version}, ${sh(`psql --version`).replace(/^psql \(PostgreSQL\) /, "PostgreSQL ")}
- Data: ${total.toLocaleString("en-AU")} work orders in ${ORGS} organisations (${PER_ORG.toLocaleString("en-AU")} each), ${open.toLocaleString("en-AU")} open (${((100 * open) / total).toFixed(1)}%); the first organisation's board covers ${boardSize.toLocaleString("en-AU")} open work orders. 40 sites, 160 elevators, 25 contractors per organisation.
- Method: sequential reads as sitesync_app through \`withTenant\` + \`dispatchBoard\` (BEGIN, set_config of the RLS context, the one board query, COMMIT; rows validated by zod), over ${orgs.length} organisations, after ${WARMUP} warm-up reads; \`limit_per_status=50\`.

${table}

p95 target ≤ ${TARGET_P95_MS} ms: **${verdict}**

EXPLAIN (ANALYZE) of the statement inside \`dispatch_board()\` with its cached generic plan, under RLS as sitesync_app (scripts/data/explain-dispatch.ts):

- whole organisation: execution ${explained.executionMs?.toFixed(2)} ms; scans:
${scans(explained.plan)}
- \`?site_id=\`: execution ${explainedSite.executionMs?.toFixed(2)} ms; scans:
${scans(explainedSite.plan)}

${seqScanNote(explained.plan, explainedSite.plan)}
`;

  const file = path.resolve(import.meta.dirname, "../docs/benchmarks.md");
  let doc = await readFile(file, "utf8").catch(() => "# Benchmarks\n");
  const start = doc.indexOf("## Dispatch board");
  if (start === -1) {
    doc = `${doc.trimEnd()}\n\n${section}`;
  } else {
    const next = doc.indexOf("\n## ", start + 1);
    doc = `${doc.slice(0, start)}${section}${next === -1 ? "" : doc.slice(next + 1)}`;
  }
  await writeFile(file, `${doc.trimEnd()}\n`);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

await main();
