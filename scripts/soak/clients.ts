import { createSiteSyncClient, type SiteSyncClient } from "../../shared/client.ts";
import { decodeCursor } from "../../shared/realtime/cursor.ts";
import type { Envelope } from "../../shared/realtime/envelope.ts";
import { topicName } from "../../shared/realtime/topics.ts";

/**
 * One soak client: the typed client (it re-subscribes with its cursors after every
 * reconnect and drops event ids it already delivered), through nginx. It records every
 * event the app would see: how often each outbox id arrived (more than once is a duplicate
 * the client's de-duplication let through), and, for the soak's own writes, the lag from the
 * write being sent to the event arriving.
 */
export type SoakClient = {
  index: number;
  orgId: string;
  userId: string;
  topics: string[];
  polling: boolean;
  client: SiteSyncClient;
  /** outbox id -> deliveries to the app (after the client's de-duplication). */
  seen: Map<string, number>;
  /** title -> receive time, for the soak's markers and probes. */
  titles: Map<string, number>;
  reconnects: number;
};

export type LagSample = { sentMs: number; lagMs: number };

/** The soak's writes put their send time (ms since the epoch) at the end of the title. */
export const sentAt = (title: unknown): number | null => {
  if (typeof title !== "string") return null;
  const m = /(\d{13})$/.exec(title);
  return m ? Number(m[1]) : null;
};

export const outboxId = (envelope: Envelope): string =>
  String(decodeCursor(envelope.id)?.id ?? envelope.id);

export async function connectSoakClient(
  url: string,
  spec: { index: number; orgId: string; userId: string; token: string; polling: boolean },
  lags: LagSample[],
): Promise<SoakClient> {
  const client = createSiteSyncClient(url, {
    token: spec.token,
    dedupeWindow: 1_000_000,
    socketOptions: {
      reconnectionDelay: 200,
      reconnectionDelayMax: 1_000,
      // Long-polling first needs every request of the session on one hub: nginx's sticky
      // cookie, kept by engine.io-client's cookie jar.
      ...(spec.polling ? { transports: ["polling", "websocket"], withCredentials: true } : {}),
    },
  });
  const c: SoakClient = {
    ...spec,
    topics: [topicName("org", spec.orgId), topicName("user", spec.userId)],
    client,
    seen: new Map(),
    titles: new Map(),
    reconnects: 0,
  };
  client.on("event", (envelope) => {
    const now = Date.now();
    const id = outboxId(envelope);
    c.seen.set(id, (c.seen.get(id) ?? 0) + 1);
    // Work orders and notifications, the soak's writes, both carry a title.
    const title = "title" in envelope.data ? envelope.data.title : undefined;
    if (typeof title === "string") {
      if (!c.titles.has(title)) c.titles.set(title, now);
      const sent = sentAt(title);
      if (sent !== null) lags.push({ sentMs: sent, lagMs: now - sent });
    }
  });
  let connectedOnce = false;
  client.on("connected", () => {
    if (connectedOnce) c.reconnects++;
    connectedOnce = true;
  });
  await client.ready();
  const ack = await client.subscribe(topicName("org", spec.orgId));
  if (!ack.ok) throw new Error(`client ${spec.index}: subscribe refused: ${ack.error.code}`);
  return c;
}

/** Every client has this title (a marker or probe) delivered, or `who` says which must. */
export const allHave = (clients: SoakClient[], title: string) =>
  clients.every((c) => c.titles.has(title));

/** When the last of `clients` got `title` (NaN while someone still waits). */
export const lastArrival = (clients: SoakClient[], title: string): number =>
  Math.max(...clients.map((c) => c.titles.get(title) ?? Number.NaN));
