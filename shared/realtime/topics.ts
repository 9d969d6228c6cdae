/**
 * Topics are socket.io room names `<kind>:<uuid>` (docs/realtime-protocol.md, "Topics").
 */
export const TOPIC_KINDS = [
  "org",
  "site",
  "elevator",
  "work_order",
  "forum_category",
  "forum_thread",
  "service_request",
  "tenant",
  "user",
] as const;
export type TopicKind = (typeof TOPIC_KINDS)[number];

export type Topic = { kind: TopicKind; id: string; name: string };

// Any UUID Postgres accepts (not only RFC 4122 v4), lower-cased for room names.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** null for anything that is not `<known kind>:<uuid>`. */
export function parseTopic(topic: string): Topic | null {
  const colon = topic.indexOf(":");
  if (colon < 0) return null;
  const kind = topic.slice(0, colon);
  const id = topic.slice(colon + 1);
  if (!(TOPIC_KINDS as readonly string[]).includes(kind) || !UUID.test(id)) return null;
  const lower = id.toLowerCase();
  return { kind: kind as TopicKind, id: lower, name: `${kind}:${lower}` };
}

export function topicName(kind: TopicKind, id: string): string {
  return `${kind}:${id.toLowerCase()}`;
}
