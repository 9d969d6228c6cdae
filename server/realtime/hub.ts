import { randomUUID } from "node:crypto";
import type { Server as HttpServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { Server } from "socket.io";
import type { AckError } from "../../shared/realtime/events.ts";
import { topicName } from "../../shared/realtime/topics.ts";
import { AuthError, authDeps, authenticate } from "../auth/principal.ts";
import { detectCommitTimestamps, readTopicPage } from "../db/realtime-events.ts";
import { logger } from "../logger.ts";
import { socketsConnected, subscriptionsActive } from "../metrics.ts";
import { createRedis } from "../redis.ts";
import type { Runtime } from "../runtime.ts";
import {
  handleMessageRead,
  handleMessageSend,
  handleNotificationRead,
  handleTyping,
} from "./client-events.ts";
import { deliverLive } from "./delivery.ts";
import { RealtimeListener } from "./listener.ts";
import { Outgoing } from "./outgoing.ts";
import { Presence } from "./presence.ts";
import { Pump } from "./pump.ts";
import { TokenBucket } from "./rate-limit.ts";
import {
  onSessionEndNotice,
  revalidateAll,
  SESSION_END_CHANNEL,
  scheduleTokenExpiry,
} from "./session-end.ts";
import { SharedPageReads } from "./shared-reads.ts";
import { coalesceQueuedPackets } from "./socket-writes.ts";
import { ackError, handleSubscribe, handleUnsubscribe } from "./subscriptions.ts";
import type { HubContext, HubServer, HubSocket } from "./types.ts";

const log = logger.child({ component: "realtime-hub" });

/** Channel the 0050 outbox triggers NOTIFY (wake-up only, empty payload). */
const REALTIME_CHANNEL = "sitesync_realtime";

/** A running hub: `close` for the server (a ServerAttachment), `pump` for tests that hold it. */
export type RealtimeHub = { close: () => Promise<void>; pump: Pump };

/**
 * The realtime hub: socket.io on the API's HTTP server (docs/realtime.md).
 * outbox (triggers) -> LISTEN wake-up -> pump (ordered reads) -> this node's own sockets.
 * Cross-node traffic (presence, typing) goes through the Redis adapter; database events
 * never do, so every socket gets each event exactly once whatever the node count.
 */
export async function attachRealtime(server: HttpServer, runtime: Runtime): Promise<RealtimeHub> {
  const env = runtime.env;
  coalesceQueuedPackets();
  const io: HubServer = new Server(server, {
    serveClient: false,
    maxHttpBufferSize: 1_000_000,
    pingInterval: 10_000,
    pingTimeout: 5_000,
  });

  // The adapter's clients queue while Redis is away (the main client fails fast instead).
  const [pub, sub] = await Promise.all([
    createRedis(env, "adapter-pub", { offlineQueue: true }),
    createRedis(env, "adapter-sub", { offlineQueue: true }),
  ]);
  // The adapter never awaits its publishes: a failed one must not become an unhandled rejection.
  const publish = pub.publish.bind(pub);
  Object.assign(pub, {
    publish: (channel: string, message: string | Buffer) =>
      publish(channel, message).catch((err: Error) => {
        log.warn({ err: err.message }, "adapter publish failed");
        return 0;
      }),
  });
  io.adapter(createAdapter(pub, sub, { key: `${env.REDIS_KEY_PREFIX}:socket.io` }));

  // The relay lag metric measures from the commit when the server records commit times
  // (a managed Postgres may not); re-read after reconnects, as only a restart changes it.
  let commitTimes: boolean | null = null;
  const checkCommitTimes = async () => {
    const on = await detectCommitTimestamps(runtime.serviceDb);
    if (!on && commitTimes !== false)
      log.warn("track_commit_timestamp is off: relay lag is measured from the statement time");
    commitTimes = on;
  };
  await checkCommitTimes();
  const outgoing = new Outgoing(io);
  const pump = new Pump(runtime.serviceDb, (row) => deliverLive(io, outgoing, row), {
    commitTimes: () => commitTimes === true,
    minGapMs: env.REALTIME_READ_GAP_MS,
    maxGapMs: env.REALTIME_READ_GAP_MAX_MS,
    endOfSlice: () => outgoing.flush(),
  });
  await pump.start();
  const ctx: HubContext = {
    io,
    runtime,
    pumpPosition: () => pump.position,
    pageReads: new SharedPageReads((topic, from, limit) =>
      readTopicPage(runtime.serviceDb, topic, from, limit),
    ),
  };

  const presence = new Presence(io, runtime.redis, env.REDIS_KEY_PREFIX, randomUUID());
  await presence.start();
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  let connectedBefore = false;
  const listener = new RealtimeListener(
    env.LISTEN_DATABASE_URL,
    {
      [REALTIME_CHANNEL]: () => pump.wake(),
      [SESSION_END_CHANNEL]: (payload) => onSessionEndNotice(io, payload),
    },
    () => {
      // Catch up from the last position read; re-check credentials whose end we may have missed.
      track(
        checkCommitTimes()
          .catch((err: Error) =>
            log.warn({ err: err.message }, "track_commit_timestamp check failed"),
          )
          .finally(() => pump.wake()),
      );
      if (connectedBefore) track(revalidateAll(io, runtime));
      connectedBefore = true;
    },
  );
  await listener.start();
  runtime.readiness.push({
    name: "realtime_listener",
    check: () => listener.state === "connected",
  });
  // The outbox is pruned by the workers (maintenance.prune-realtime-events), not here.

  io.use((socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    const fail = (code: string) =>
      next(Object.assign(new Error("unauthorized"), { data: { code } }));
    if (typeof token !== "string" || token.length === 0 || token.length > 4096) {
      fail("unauthorized");
      return;
    }
    authenticate(authDeps(runtime), token)
      .then((principal) => {
        socket.data = {
          principal,
          token,
          // Opt-in: several events of one delivery slice arrive as one `events` packet.
          batch: socket.handshake.auth?.batch === true,
          subscriptions: new Map(),
          subscribeBucket: new TokenBucket(20, 2),
          actionBucket: new TokenBucket(30, 5),
          ended: false,
          expiryTimer: null,
          replayQueue: Promise.resolve(),
        };
        next();
      })
      .catch((err: unknown) => {
        if (err instanceof AuthError) fail(err.reason);
        else {
          log.warn({ err: (err as Error).message }, "handshake failed");
          next(Object.assign(new Error("unavailable"), { data: { code: "unavailable" } }));
        }
      });
  });

  io.on("connection", (socket) => {
    socketsConnected.inc();
    const principal = socket.data.principal;
    if (principal.kind === "user") {
      const topic = topicName("user", principal.userId);
      socket.data.subscriptions.set(topic, {
        topic,
        audience: "self",
        floor: null,
        buffer: null,
        deliveredFrom: null,
      });
      subscriptionsActive.inc();
      socket.join(topic);
      track(presence.connected(principal.userId, principal.organizationId ?? ""));
    }
    scheduleTokenExpiry(socket);
    socket.on("disconnect", () => {
      socketsConnected.dec();
      subscriptionsActive.dec(socket.data.subscriptions.size);
      socket.data.subscriptions.clear();
      if (socket.data.expiryTimer) clearTimeout(socket.data.expiryTimer);
      if (principal.kind === "user") track(presence.disconnected(principal.userId));
    });
    wire(socket, "subscribe", (payload) => handleSubscribe(ctx, socket, payload));
    wire(socket, "unsubscribe", (payload) => handleUnsubscribe(socket, payload));
    wire(socket, "message.send", (payload) => handleMessageSend(ctx, socket, payload));
    wire(socket, "message.read", (payload) => handleMessageRead(ctx, socket, payload));
    wire(socket, "typing", (payload) => handleTyping(ctx, socket, payload));
    wire(socket, "notification.read", (payload) => handleNotificationRead(ctx, socket, payload));
  });

  log.info("realtime hub attached");
  return {
    pump,
    close: async () => {
      await listener.stop();
      await pump.stop();
      // Goodbye first, so the other nodes hear this node's users go offline.
      io.local.disconnectSockets(true);
      await Promise.allSettled([...pending]);
      await presence.stop();
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

type Ack = (response: unknown) => void;

/**
 * Every client event: validated by its handler, answered through the ack, and never able
 * to crash or disconnect the socket. A payload-less emit with only a callback still works.
 */
function wire(socket: HubSocket, event: string, handler: (payload: unknown) => unknown): void {
  const on = socket.on.bind(socket) as unknown as (
    e: string,
    fn: (...args: unknown[]) => void,
  ) => void;
  on(event, (...args: unknown[]) => {
    const last = args.at(-1);
    const ack: Ack | null = typeof last === "function" ? (last as Ack) : null;
    const payload = ack && args.length === 1 ? undefined : args[0];
    Promise.resolve()
      .then(() => handler(payload))
      .then(
        (response) => ack?.(response),
        (err: Error) => {
          log.warn({ err: err.message, event }, "client event failed");
          const failure: AckError = ackError("unavailable", "The request failed; try again");
          ack?.(failure);
        },
      );
  });
}
