import { type ChildProcess, fork } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { sha256, signAccessToken } from "../../../server/auth/tokens.ts";
import { runHeader, table } from "../quality-db.ts";
import { spawnHub } from "../relay/hub-process.ts";
import { ms, stats } from "../stats.ts";
import { cpuBetween, cpuSnapshot } from "./cpu-time.ts";
import { BENCH_DB, benchUrls } from "./dataset.ts";

const USERS = 2_000;
const DEFAULT_RATE = 200;
const WORKERS = 4;
const DEFAULT_WARMUP_SECONDS = 5;
const TARGET_P95_MS = 15;

type Pair = { senderToken: string; recipientToken: string; recipientId: string };

/** Pairs of colleagues from the data set (1,000 by default), each with a session and a token. */
async function pairsOf(secret: string, users: number): Promise<Pair[]> {
  const c = new pg.Client({ connectionString: benchUrls.service });
  await c.connect();
  try {
    const { rows } = await c.query<{ id: string; organization_id: string }>(
      `SELECT id, organization_id FROM users WHERE email LIKE 'bench-msg-%'
        ORDER BY organization_id, email LIMIT $1`,
      [users],
    );
    const tokens: string[] = [];
    for (const u of rows) {
      const sessionId = randomUUID();
      await c.query(
        `INSERT INTO user_sessions (id, user_id, session_token_hash, expires_at)
         VALUES ($1, $2, $3, now() + interval '1 day')`,
        [sessionId, u.id, sha256(sessionId)],
      );
      tokens.push(
        await signAccessToken(
          secret,
          { userId: u.id, organizationId: u.organization_id, sessionId },
          3600,
        ),
      );
    }
    const pairs: Pair[] = [];
    for (let i = 0; i + 1 < rows.length; i += 2) {
      if (rows[i]!.organization_id !== rows[i + 1]!.organization_id) continue;
      pairs.push({
        senderToken: tokens[i]!,
        recipientToken: tokens[i + 1]!,
        recipientId: rows[i + 1]!.id,
      });
    }
    return pairs;
  } finally {
    await c.end();
  }
}

type Reply = {
  ok: boolean;
  error?: string;
  connected?: number;
  sent?: number;
  samples?: Array<{ ack: number; deliver: number }>;
  lost?: number;
  refused?: number;
  errors?: string[];
};

function ask(worker: ChildProcess, message: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    worker.once("message", (reply: Reply) =>
      reply.ok ? resolve(reply) : reject(new Error(reply.error)),
    );
    worker.send(message as object);
  });
}

/**
 * message.send → ack → the recipient's `message.created`: 2,000 connected users (1,000
 * pairs of colleagues), 200 messages/s in total from the senders, for `seconds` after a
 * warm-up, against one hub process. Returns the run's Markdown.
 */
export async function runLatencyBench(options: {
  seconds: number;
  loadBefore: number[];
  rate?: number;
  /** Connected users (default 2,000; the smoke run uses a few). */
  users?: number;
  warmupSeconds?: number;
}): Promise<string> {
  const RATE = options.rate ?? DEFAULT_RATE;
  const WARMUP_SECONDS = options.warmupSeconds ?? DEFAULT_WARMUP_SECONDS;
  const secret = randomBytes(32).toString("hex");
  const pairs = await pairsOf(secret, options.users ?? USERS);
  const hub = await spawnHub({
    jwtSecret: secret,
    redisPrefix: `bench-msg-${randomBytes(4).toString("hex")}`,
    urls: benchUrls,
  });
  const workers = Array.from({ length: WORKERS }, () =>
    fork(path.join(import.meta.dirname, "latency-worker.ts"), [], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
  try {
    const shares = workers.map((_, w) => pairs.filter((_, i) => i % WORKERS === w));
    const connected = (
      await Promise.all(
        workers.map((w, i) => ask(w, { type: "connect", url: hub.url, pairs: shares[i] })),
      )
    ).reduce((n, r) => n + (r.connected ?? 0), 0);
    console.log(`${connected} sockets connected; sending ${RATE}/s for ${options.seconds} s`);
    const cpuBefore = await cpuSnapshot(hub.child.pid, benchUrls.service, BENCH_DB);
    const replies = await Promise.all(
      workers.map((w) =>
        ask(w, {
          type: "run",
          perSecond: RATE / WORKERS,
          seconds: options.seconds,
          warmupSeconds: WARMUP_SECONDS,
        }),
      ),
    );
    const cpu = cpuBetween(
      cpuBefore,
      await cpuSnapshot(hub.child.pid, benchUrls.service, BENCH_DB),
    );
    await Promise.all(workers.map((w) => ask(w, { type: "close" })));
    const samples = replies.flatMap((r) => r.samples ?? []);
    const deliver = stats(samples.map((s) => Math.max(0, s.deliver)));
    const ack = stats(samples.map((s) => s.ack));
    const early = samples.filter((s) => s.deliver < 0).length;
    const lost = replies.reduce((n, r) => n + (r.lost ?? 0), 0);
    const refused = replies.reduce((n, r) => n + (r.refused ?? 0), 0);
    const sent = replies.reduce((n, r) => n + (r.sent ?? 0), 0);
    const errors = replies.flatMap((r) => r.errors ?? []);
    if (errors.length > 0) console.log("refusals (first few):", errors);
    const verdict = deliver.p95 <= TARGET_P95_MS ? "PASS" : "FAIL";
    return `### Latency, run of ${new Date().toISOString().slice(0, 10)}

${runHeader()}
- Load average before the run: ${options.loadBefore.map((l) => l.toFixed(2)).join(" ")}; after: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}
- Setup: one hub process (\`node server/main.ts\`, SITESYNC_ROLES=api, NODE_ENV=production) on the
  benchmark database; ${connected} sockets (${pairs.length} pairs of colleagues, \`auth.batch\`) in ${WORKERS}
  client processes on the same two cores; the senders send ${RATE} messages/s in total
  (\`message.send\`), each pair's sender and recipient in one process (one clock); ${WARMUP_SECONDS} s warm-up,
  then ${options.seconds} s measured; ${sent} messages sent, ${samples.length} measured, ${lost} never received,
  ${refused} refused or timed out.
- CPU time over the sending (warm-up included), per message sent: hub ${
      cpu.hubMs === null ? "n/a" : `${(cpu.hubMs / Math.max(1, sent)).toFixed(2)} ms`
    }, the database's Postgres backends ${(cpu.postgresMs / Math.max(1, sent)).toFixed(2)} ms (from
  /proc, so independent of the machine's other load; Postgres' is a lower bound).
- Delivery = the recipient's \`message.created\` minus the sender's ack (${early} arrived before the ack and
  count as 0); ack = the ack minus the emit.

${table(
  ["measure", "n", "p50 ms", "p95 ms", "p99 ms", "max ms"],
  [
    [
      "ack → recipient socket",
      deliver.n,
      ms(deliver.p50),
      ms(deliver.p95),
      ms(deliver.p99),
      ms(deliver.max),
    ],
    ["message.send → ack", ack.n, ms(ack.p50), ms(ack.p95), ms(ack.p99), ms(ack.max)],
  ],
)}

p95 target ≤ ${TARGET_P95_MS} ms: **${verdict}**`;
  } finally {
    for (const w of workers) w.kill();
    await hub.stop();
  }
}
