import { env } from "./env.ts";
import { logger } from "./logger.ts";
import { attachRealtime } from "./realtime/hub.ts";
import { closeRuntime, createRuntime } from "./runtime.ts";
import { type RunningServer, startServer } from "./server.ts";

/**
 * Process entry point. SITESYNC_ROLES picks what this process runs: "api" (REST + the
 * realtime hub on one port) and/or "workers" (BullMQ). One binary, like immich's
 * IMMICH_WORKERS_INCLUDE, so a deploy scales each role separately.
 */
const runtime = await createRuntime(env);
let server: RunningServer | undefined;
const stoppers: Array<() => Promise<void>> = [];

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  const force = setTimeout(() => {
    logger.error("shutdown took too long; exiting");
    process.exit(1);
  }, 15_000);
  force.unref();
  await server?.close();
  for (const stop of stoppers) await stop().catch(() => {});
  await closeRuntime(runtime);
  logger.info("bye");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

if (env.SITESYNC_ROLES.includes("api")) {
  server = await startServer(runtime, env.PORT, [attachRealtime]);
  logger.info({ url: server.url }, "api listening");
}
if (env.SITESYNC_ROLES.includes("workers")) {
  const { startWorkers } = await import("../workers/start.ts");
  // A SIGTERM may arrive while the workers are still starting: shutdown waits for the
  // start to finish, then closes them, instead of closing the pools under their feet.
  const starting = startWorkers(runtime);
  stoppers.push(async () => (await starting).close());
  await starting;
  logger.info("workers started");
}
