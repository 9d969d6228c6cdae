import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "./app.ts";
import { answerClientError } from "./http/client-error.ts";
import type { Runtime } from "./runtime.ts";

export type RunningServer = {
  server: Server;
  url: string;
  port: number;
  close: () => Promise<void>;
};

/** Hooks that attach to the HTTP server (the realtime hub) and must close before it. */
export type ServerAttachment = (
  server: Server,
  runtime: Runtime,
) => Promise<{ close: () => Promise<void> }>;

/** Starts the API (and any attachments, e.g. the realtime hub) on one HTTP server. */
export async function startServer(
  runtime: Runtime,
  port = runtime.env.PORT,
  attachments: ServerAttachment[] = [],
): Promise<RunningServer> {
  const app = createApp(runtime);
  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  server.on("clientError", answerClientError);
  const attached: Array<{ close: () => Promise<void> }> = [];
  for (const attach of attachments) attached.push(await attach(server, runtime));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    server,
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}`,
    close: async () => {
      for (const a of attached.reverse()) await a.close().catch(() => {});
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
