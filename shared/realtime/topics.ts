/**
 * Topics are socket.io room names `<kind>:<uuid>` (docs/realtime-protocol.md, "Topics").
 * `topicName` is the one place that builds them: the server, the typed client and the tests
 * all call it, and the capture triggers build the same names from shared/realtime/streams.ts.
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
export type TopicName = `${TopicKind}:${string}`;

export type Topic = { kind: TopicKind; id: string; name: TopicName };

// Any UUID Postgres accepts (not only RFC 4122 v4), lower-cased for room names.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isKind = (kind: string): kind is TopicKind =>
  (TOPIC_KINDS as readonly string[]).includes(kind);

export function topicName(kind: TopicKind, id: string): TopicName {
  return `${kind}:${id.toLowerCase()}`;
}

/** null for anything that is not `<known kind>:<uuid>`. */
export function parseTopic(topic: string): Topic | null {
  const colon = topic.indexOf(":");
  if (colon < 0) return null;
  const kind = topic.slice(0, colon);
  const id = topic.slice(colon + 1);
  if (!isKind(kind) || !UUID.test(id)) return null;
  return { kind, id: id.toLowerCase(), name: topicName(kind, id) };
}
