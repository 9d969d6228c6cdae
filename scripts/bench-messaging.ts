/**
 * Messaging benchmark (issue 13, docs/benchmarks.md "Direct messages").
 *
 *   npm run bench:messaging -- --queries            the read queries at 1,000,000 messages
 *   npm run bench:messaging -- --latency [--seconds N] [--rate R]   message.send ack → recipient socket
 *   npm run bench:messaging -- --fresh ...          rebuild the benchmark database first
 *   npm run bench:messaging -- --smoke              a few seconds of --latency with 40 users at
 *                                                   10 messages/s, printed, never recorded
 *
 * Both parts use a dedicated database, sitesync_bench_messaging (never the test or dev
 * databases), built from scripts/data/messaging-dataset.sql. Results are appended to
 * docs/benchmarks.md with date, machine and commit.
 */
import os from "node:os";
import { DATASET, prepareMessagingDatabase } from "./bench/messaging/dataset.ts";
import { runLatencyBench } from "./bench/messaging/latency.ts";
import { runQueryBench, TARGET_P95_MS } from "./bench/messaging/queries.ts";
import { appendRun, runHeader, table } from "./bench/quality-db.ts";
import { ms } from "./bench/stats.ts";

const HEADING = "Direct messages";
const INTRO = `\`npm run bench:messaging\` (scripts/bench-messaging.ts): the direct message read queries at
${DATASET.messages.toLocaleString()} messages (\`--queries\`) and the latency from a \`message.send\` ack to the
recipient's socket (\`--latency\`), on a dedicated database (sitesync_bench_messaging) loaded by
scripts/data/messaging-dataset.sql: ${DATASET.orgs} organisations × ${DATASET.usersPerOrg} users, each organisation's
first user a dispatcher with a conversation with every colleague, ${DATASET.threads.toLocaleString()} more random
conversations (10 % across organisations), messages skewed towards the dispatchers' conversations over ~6 months,
everything older than two days read and a third of the rest unread. Targets (issue 13): each query p95 ≤ ${TARGET_P95_MS} ms
under RLS as the app role using indexes; latency p95 ≤ 15 ms at 2,000 connected users and 200 messages/s.`;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const smoke = process.argv.includes("--smoke");
  const doQueries = process.argv.includes("--queries") && !smoke;
  const doLatency = process.argv.includes("--latency") || smoke;
  if (!doQueries && !doLatency) {
    console.error(
      "usage: npm run bench:messaging -- [--fresh] --queries | --latency [--seconds N] [--rate R] | --smoke",
    );
    process.exit(2);
  }
  const loadBefore = os.loadavg();
  await prepareMessagingDatabase(process.argv.includes("--fresh"));
  if (doQueries) {
    const report = await runQueryBench();
    const rows = report.timings.map((t) => [
      t.name,
      t.stats.n,
      ms(t.stats.p50),
      ms(t.stats.p95),
      ms(t.stats.p99),
      ms(t.stats.max),
    ]);
    const pass = report.timings.every((t) => t.stats.p95 <= TARGET_P95_MS);
    const plans = report.plans
      .map(
        (p) =>
          `**${p.name}**, for the busiest user (one plan per statement):\n\n${p.statements
            .map((s) => `\`\`\`\n${s}\n\`\`\``)
            .join("\n\n")}`,
      )
      .join("\n\n");
    const run = `### Queries, run of ${new Date().toISOString().slice(0, 10)}

${runHeader()}
- Load average before the run: ${loadBefore.map((l) => l.toFixed(2)).join(" ")}
- Data: ${Object.entries(report.data)
      .map(([k, v]) => `${k} ${Number(v).toLocaleString()}`)
      .join(", ")}
- Method: sequential requests' database work as sitesync_app through \`withTenant\` and the server's own
  functions (\`conversationPage\`, \`conversationHistory\`, \`countUnreadMessages\`), over the 10 dispatchers and
  40 random users with conversations, after 30 warm-up runs each; then EXPLAIN (ANALYZE, BUFFERS) of every
  statement they ran, as sitesync_app under the busiest user's RLS context.

${table(["query", "n", "p50 ms", "p95 ms", "p99 ms", "max ms"], rows)}

p95 target ≤ ${TARGET_P95_MS} ms: **${pass ? "PASS" : "FAIL"}**

${plans}`;
    console.log(run);
    await appendRun(HEADING, INTRO, run);
  }
  if (doLatency) {
    const seconds = Number(arg("--seconds") ?? (smoke ? 3 : 30));
    const rate = arg("--rate") ?? (smoke ? "10" : undefined);
    const run = await runLatencyBench({
      seconds,
      loadBefore,
      ...(rate ? { rate: Number(rate) } : {}),
      ...(smoke ? { users: 40, warmupSeconds: 1 } : {}),
    });
    console.log(run);
    // A smoke run checks that the bench works; its figures are not a measurement.
    if (!smoke) await appendRun(HEADING, INTRO, run);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
