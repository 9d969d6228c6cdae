import type { DatabasePool } from "slonik";
import { createDatabasePool, pingDatabase } from "./db/pool.ts";
import type { Env } from "./env.ts";
import { Mailer } from "./mail/mailer.ts";
import { createSmtpTransport } from "./mail/smtp.ts";
import { createRedis, type Redis } from "./redis.ts";

/** A named readiness check; /readyz runs them all. */
export type ReadinessCheck = { name: string; check: () => Promise<boolean> | boolean };

/**
 * The long-lived resources of one process. Built once in main.ts (or per test), passed
 * down explicitly; nothing reaches for globals.
 */
export type Runtime = {
  env: Env;
  /** Runs request queries as sitesync_app: RLS applies. */
  db: DatabasePool;
  /** BYPASSRLS: only for work that is really cross-tenant (auth lookups, the relay pump). */
  serviceDb: DatabasePool;
  /**
   * sitesync_app like `db` (RLS applies), without slonik's DISCARD ALL after each use: only
   * for single statements that set their own RLS context transaction-locally and so leave
   * no session state behind (send_direct_message(), migrations/0109). A hot command then
   * costs one round trip instead of six. Never for withTenant or anything session-level.
   */
  commandDb: DatabasePool;
  redis: Redis;
  /** Outgoing e-mail over SMTP (server/mail). */
  mail: Mailer;
  readiness: ReadinessCheck[];
  /** Closers run in reverse order on shutdown. */
  closers: Array<() => Promise<void>>;
};

export async function createRuntime(env: Env): Promise<Runtime> {
  const db = await createDatabasePool(env.DATABASE_URL, {
    maxPoolSize: env.DB_POOL_SIZE,
    name: "app",
  });
  const serviceDb = await createDatabasePool(env.SERVICE_DATABASE_URL, {
    maxPoolSize: 5,
    name: "service",
    // The relay's hot path (an outbox read every few ms) runs here. This role bypasses RLS,
    // so there is no tenant context to leak, and nothing sets session state on it; skip
    // the DISCARD ALL round trip after every query. The request pool (db) keeps it.
    resetOnRelease: false,
  });
  const commandDb = await createDatabasePool(env.DATABASE_URL, {
    maxPoolSize: env.DB_POOL_SIZE,
    name: "command",
    resetOnRelease: false,
  });
  const redis = await createRedis(env);
  const mail = new Mailer(createSmtpTransport(env));
  const runtime: Runtime = {
    env,
    db,
    serviceDb,
    commandDb,
    redis,
    mail,
    readiness: [],
    closers: [
      () => db.end(),
      () => serviceDb.end(),
      () => commandDb.end(),
      async () => void (await redis.quit().catch(() => {})),
      // Runs first on shutdown: mails already decided still go out.
      () => mail.close(),
    ],
  };
  runtime.readiness.push(
    { name: "postgres", check: () => pingDatabase(db) },
    { name: "redis", check: async () => (await redis.ping()) === "PONG" },
  );
  return runtime;
}

export async function closeRuntime(runtime: Runtime): Promise<void> {
  for (const close of [...runtime.closers].reverse()) {
    await close().catch(() => {});
  }
}
