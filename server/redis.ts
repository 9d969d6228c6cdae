import { Redis as IORedis, type RedisOptions } from "ioredis";
import type { Env } from "./env.ts";
import { logger } from "./logger.ts";

export type Redis = IORedis;

type RedisEnv = Pick<Env, "REDIS_URL" | "REDIS_SENTINELS" | "REDIS_SENTINEL_NAME">;

const backoff = (attempt: number) => Math.min(50 * 2 ** attempt, 2_000);

/**
 * Where a client connects, from env alone: REDIS_URL, or (REDIS_SENTINELS set) whatever
 * primary the sentinels name for REDIS_SENTINEL_NAME. ioredis asks the sentinels again on
 * every reconnect, so after a failover (the sentinels disconnect the old primary's
 * clients) each client comes back on the new primary; the failover detector also drops
 * the connection as soon as a sentinel announces +switch-master. The code is the same for
 * one Redis and for a Sentinel group: only env differs.
 */
export function redisOptions(env: RedisEnv): RedisOptions {
  const url = new URL(env.REDIS_URL);
  const db = Number(url.pathname.slice(1) || "0");
  const auth = {
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    db: Number.isInteger(db) ? db : 0,
  };
  const common: RedisOptions = {
    ...auth,
    lazyConnect: true,
    connectTimeout: 5_000,
    retryStrategy: backoff,
    // A write that reaches a primary demoted a moment ago: reconnect (to the new primary)
    // and send the command again there.
    reconnectOnError: (err) => (err.message.startsWith("READONLY") ? 2 : false),
  };
  if (!env.REDIS_SENTINELS) {
    return { ...common, host: url.hostname, port: Number(url.port || 6379), tls: tlsOf(url) };
  }
  return {
    ...common,
    sentinels: env.REDIS_SENTINELS,
    name: env.REDIS_SENTINEL_NAME,
    role: "master",
    sentinelRetryStrategy: backoff,
    failoverDetector: true,
    enableTLSForSentinelMode: url.protocol === "rediss:",
    ...(url.protocol === "rediss:" ? { tls: {} } : {}),
  };
}

const tlsOf = (url: URL) => (url.protocol === "rediss:" ? {} : undefined);

export type RedisClientOptions = {
  /**
   * Queue commands issued while disconnected and retry them after a reconnect (BullMQ,
   * the adapter). Off by default: an HTTP request gets a 503 instead of hanging.
   */
  offlineQueue?: boolean;
};

/** A client from env that reconnects forever with capped backoff (see redisOptions). */
export async function createRedis(
  env: RedisEnv,
  name = "main",
  options: RedisClientOptions = {},
): Promise<Redis> {
  const offline = options.offlineQueue ?? false;
  const client = new IORedis({
    ...redisOptions(env),
    connectionName: `sitesync-${name}`,
    enableOfflineQueue: offline,
    // BullMQ needs null (retry until Redis is back); fail-fast clients give up a command
    // caught by a disconnect after one reconnect attempt, and any command after 2 s.
    maxRetriesPerRequest: offline ? null : 1,
    ...(offline ? {} : { commandTimeout: 2_000 }),
  });
  client.on("error", (err: Error) =>
    logger.warn({ err: err.message, client: name }, "redis error"),
  );
  await client.connect();
  return client;
}
