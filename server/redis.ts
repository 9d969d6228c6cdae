import { createClient } from "redis";
import { logger } from "./logger.ts";

function build(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000),
      connectTimeout: 5_000,
    },
  });
}

export type Redis = ReturnType<typeof build>;

/**
 * A node-redis client that reconnects forever with capped backoff. Commands issued while
 * disconnected fail fast (no offline queue), so an HTTP request gets a 503 instead of hanging.
 */
export async function createRedis(url: string, name = "main"): Promise<Redis> {
  const client = build(url);
  client.on("error", (err: Error) => logger.warn({ err: err.message, client: name }, "redis error"));
  await client.connect();
  return client;
}
