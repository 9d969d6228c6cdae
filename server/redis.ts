import { createClient } from "redis";
import { logger } from "./logger.ts";

function build(url: string, offlineQueue: boolean) {
  return createClient({
    url,
    disableOfflineQueue: !offlineQueue,
    socket: {
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000),
      connectTimeout: 5_000,
    },
  });
}

export type Redis = ReturnType<typeof build>;

/**
 * A node-redis client that reconnects forever with capped backoff. By default commands
 * issued while disconnected fail fast (no offline queue), so an HTTP request gets a 503
 * instead of hanging; queue workers ask for the offline queue so they ride out a blip.
 */
export async function createRedis(
  url: string,
  name = "main",
  options: { offlineQueue?: boolean } = {},
): Promise<Redis> {
  const client = build(url, options.offlineQueue ?? false);
  client.on("error", (err: Error) =>
    logger.warn({ err: err.message, client: name }, "redis error"),
  );
  await client.connect();
  return client;
}
