import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";
import type { z } from "zod";
import { maxCursor } from "./realtime/cursor.ts";
import type { Envelope, EnvelopeOf, EventType } from "./realtime/envelope.ts";
import type {
  ClientToServerEvents,
  HandshakeErrorCode,
  MessageSendAck,
  MessageSendPayload,
  OkAck,
  PresenceUpdate,
  ServerToClientEvents,
  SessionEndReason,
  SubscribeAck,
  TypingIndicator,
  UpdatedAck,
} from "./realtime/events.ts";
import { topicName } from "./realtime/topics.ts";

/**
 * The typed SiteSync realtime client (docs/realtime-protocol.md). An app built on it loses
 * nothing across reconnects without writing code for it:
 * - it remembers every topic's last cursor and re-subscribes each with `since` after any
 *   reconnect (socket.io's own connection state recovery does not work with the Redis
 *   adapter; these cursors are the recovery mechanism);
 * - it drops an event id it has already delivered (a replay can repeat an event the socket
 *   got through another topic);
 * - on `session.ended` or an expired token it asks `getToken` for a fresh one and reconnects.
 * A `reset` means the cursor was older than the retention window: refetch over REST.
 */
export type SiteSyncClientOptions = {
  token: string;
  /** Returns a fresh access token (e.g. via POST /api/v1/auth/refresh). */
  getToken?: () => Promise<string>;
  /** Passed to socket.io-client (transports, reconnectionDelay, ...). */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
  /** How many recent event ids to remember for de-duplication. */
  dedupeWindow?: number;
};

/**
 * What `on` listens to: every event (`event`), the connection's own events, and each event
 * type by name with its typed envelope, e.g.
 * `client.on("elevator.status_changed", (e) => e.data.status)`.
 */
export type ClientEvents = ConnectionEvents & {
  [T in EventType]: (envelope: EnvelopeOf<T>) => void;
};

type ConnectionEvents = {
  /** Every event, once, whatever its type (de-duplicated across topics and replays). */
  event: (envelope: Envelope) => void;
  presence: (update: PresenceUpdate) => void;
  typing: (indicator: TypingIndicator) => void;
  "session.ended": (payload: { reason: SessionEndReason }) => void;
  /** The topic's cursor was too old: the app should refetch that state over REST. */
  reset: (payload: { topic: string }) => void;
  /**
   * A subscribe was acknowledged, the app's own or the client's re-subscribe after a
   * reconnect: from here the topic is live and what was missed has been replayed.
   */
  subscribed: (payload: { topic: string; reset: boolean }) => void;
  /** A re-subscribe after reconnect was refused (e.g. access was removed); topic dropped. */
  subscription_error: (payload: {
    topic: string;
    error: { code: string; message: string };
  }) => void;
  connected: () => void;
  disconnected: (reason: string) => void;
};

type Listener<K extends keyof ClientEvents> = ClientEvents[K];
type Tracked = {
  cursor: string | undefined;
  live: boolean;
  waiters: Array<(ack: SubscribeAck) => void>;
};

export type SiteSyncClient = {
  socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  /** Resolves on the first successful connect; rejects if the credentials are refused. */
  ready: () => Promise<void>;
  subscribe: (topic: string, options?: { since?: string }) => Promise<SubscribeAck>;
  unsubscribe: (topic: string) => Promise<OkAck>;
  /** The last cursor known for a topic (pass it back as since after a restart of the app). */
  cursor: (topic: string) => string | undefined;
  topics: () => string[];
  on: <K extends keyof ClientEvents>(event: K, listener: Listener<K>) => () => void;
  sendMessage: (payload: z.input<typeof MessageSendPayload>) => Promise<MessageSendAck>;
  readMessages: (messageIds: string[]) => Promise<UpdatedAck>;
  readNotifications: (ids: string[] | "all") => Promise<UpdatedAck>;
  typing: (toUserId: string) => Promise<OkAck>;
  close: () => void;
};

/** The user id in an access token (not verified here; the server does that). */
function userIdOf(token: string): string | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const json = JSON.parse(
      new TextDecoder().decode(
        Uint8Array.from(atob(part.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)),
      ),
    ) as { sub?: unknown };
    return typeof json.sub === "string" ? json.sub : null;
  } catch {
    return null;
  }
}

const RECOVERABLE = new Set<string>(["token_expired", "role_changed"]);

export function createSiteSyncClient(url: string, options: SiteSyncClientOptions): SiteSyncClient {
  let token = options.token;
  let closed = false;
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    transports: ["websocket"],
    reconnectionDelay: 250,
    reconnectionDelayMax: 2_000,
    ...options.socketOptions,
    // batch: events of one delivery slice come as one `events` packet (fewer frames under load).
    auth: (cb) => cb({ token, batch: true }),
  });
  // Listeners of any name; `on` is what ties each name to its payload type.
  const listeners = new Map<string, Set<(payload?: unknown) => void>>();
  const emitLocal = <K extends keyof ClientEvents>(
    event: K,
    ...args: Parameters<ClientEvents[K]>
  ) => {
    for (const fn of listeners.get(event) ?? []) fn(args[0]);
  };

  const tracked = new Map<string, Tracked>();
  const seen = new Set<string>();
  const window = options.dedupeWindow ?? 10_000;

  // The own inbox (messages, notifications) is recovered like any other topic.
  const me = userIdOf(token);
  if (me) tracked.set(topicName("user", me), { cursor: undefined, live: false, waiters: [] });

  const sendSubscribe = (topic: string, entry: Tracked) => {
    const payload = entry.cursor ? { topic, since: entry.cursor } : { topic };
    socket.emit("subscribe", payload, (ack) => {
      if (tracked.get(topic) !== entry) return;
      if (ack.ok) {
        entry.live = true;
        entry.cursor = maxCursor(entry.cursor, ack.cursor);
        if (ack.reset) emitLocal("reset", { topic });
        emitLocal("subscribed", { topic, reset: ack.reset === true });
      } else if (ack.error.code !== "rate_limited" && ack.error.code !== "unavailable") {
        tracked.delete(topic);
        emitLocal("subscription_error", { topic, error: ack.error });
      } else {
        // Transient: try again shortly, still from the same cursor.
        setTimeout(
          () => socket.connected && tracked.get(topic) === entry && sendSubscribe(topic, entry),
          1_000,
        );
      }
      const waiters = entry.waiters.splice(0);
      for (const w of waiters) w(ack);
    });
  };

  socket.on("connect", () => {
    for (const [topic, entry] of tracked) sendSubscribe(topic, entry);
    emitLocal("connected");
  });

  socket.on("disconnect", (reason) => {
    for (const entry of tracked.values()) entry.live = false;
    emitLocal("disconnected", reason);
  });

  const onEnvelope = (envelope: Envelope) => {
    const entry = tracked.get(envelope.topic);
    if (entry) entry.cursor = maxCursor(entry.cursor, envelope.id);
    // A live event at position p means every live topic has received all it carries up to p.
    if (!envelope.replay) {
      for (const t of tracked.values()) if (t.live) t.cursor = maxCursor(t.cursor, envelope.id);
    }
    if (seen.has(envelope.id)) return;
    seen.add(envelope.id);
    if (seen.size > window) seen.delete(seen.values().next().value as string);
    emitLocal("event", envelope);
    for (const fn of listeners.get(envelope.type) ?? []) fn(envelope);
  };
  socket.on("event", onEnvelope);
  socket.on("events", (envelopes) => {
    for (const envelope of envelopes) onEnvelope(envelope);
  });
  socket.on("presence", (update) => emitLocal("presence", update));
  socket.on("typing", (indicator) => emitLocal("typing", indicator));

  const refreshAndReconnect = async () => {
    if (closed) return;
    if (options.getToken) {
      try {
        token = await options.getToken();
      } catch {
        return; // No fresh credential: stay disconnected; the app saw session.ended.
      }
    }
    if (!closed) socket.connect();
  };

  socket.on("session.ended", ({ reason }) => {
    emitLocal("session.ended", { reason });
    // The server disconnects right after; socket.io does not reconnect a server-side close.
    if (options.getToken || RECOVERABLE.has(reason)) {
      socket.once("disconnect", () => void refreshAndReconnect());
    }
  });

  let settleReady: { resolve: () => void; reject: (err: Error) => void } | null = null;
  const readyPromise = new Promise<void>((resolve, reject) => {
    settleReady = { resolve, reject };
  });
  readyPromise.catch(() => {});
  socket.once("connect", () => settleReady?.resolve());
  // A handshake the server could not decide (`unavailable`: its database busy or away) is
  // tried again, with a growing, jittered delay so a crowd of clients does not come back
  // in step; socket.io itself gives up on any handshake refusal.
  let unavailableRetries = 0;
  socket.on("connect", () => {
    unavailableRetries = 0;
  });
  socket.on("connect_error", (err) => {
    const code = (err as Error & { data?: { code?: HandshakeErrorCode } }).data?.code;
    if (socket.active) return; // a transport problem: socket.io keeps retrying
    if (code === "token_expired" && options.getToken) {
      void refreshAndReconnect();
      return;
    }
    if (code === "unavailable") {
      const delay = Math.min(500 * 2 ** unavailableRetries++, 5_000) * (0.5 + Math.random());
      setTimeout(() => {
        if (!closed && !socket.connected) socket.connect();
      }, delay);
      return;
    }
    settleReady?.reject(Object.assign(new Error(err.message), { code }));
  });

  const call = <T>(fn: (ack: (res: T) => void) => void) =>
    new Promise<T>((resolve) => {
      fn(resolve);
    });

  return {
    socket,
    ready: () => readyPromise,
    subscribe: (topic, opts = {}) => {
      let entry = tracked.get(topic);
      if (!entry) {
        entry = { cursor: opts.since, live: false, waiters: [] };
        tracked.set(topic, entry);
      } else if (opts.since) {
        entry.cursor = opts.since;
      }
      const target = entry;
      return new Promise<SubscribeAck>((resolve) => {
        target.waiters.push(resolve);
        // Not connected yet: the connect handler subscribes every tracked topic.
        if (socket.connected) sendSubscribe(topic, target);
      });
    },
    unsubscribe: (topic) => {
      tracked.delete(topic);
      return call<OkAck>((ack) => socket.emit("unsubscribe", { topic }, ack));
    },
    cursor: (topic) => tracked.get(topic)?.cursor,
    topics: () => [...tracked.keys()],
    on: (event, listener) => {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      // Called only with the payload of `event`'s name (emitLocal, onEnvelope).
      const fn = listener as (payload?: unknown) => void;
      set.add(fn);
      return () => set.delete(fn);
    },
    sendMessage: (payload) =>
      call<MessageSendAck>((ack) => socket.emit("message.send", payload, ack)),
    readMessages: (ids) =>
      call<UpdatedAck>((ack) => socket.emit("message.read", { message_ids: ids }, ack)),
    readNotifications: (ids) =>
      call<UpdatedAck>((ack) => socket.emit("notification.read", { notification_ids: ids }, ack)),
    typing: (to) => call<OkAck>((ack) => socket.emit("typing", { to_user_id: to }, ack)),
    close: () => {
      closed = true;
      socket.close();
    },
  };
}
