/**
 * The names of the streamed entities. streams.ts declares each one (it must declare exactly
 * these); the list stands apart because resource definitions name their entity with it
 * (shared/resources/define.ts) while streams.ts uses their row schemas.
 */
const ENTITIES = [
  "work_order",
  "elevator",
  "service_request",
  "forum_thread",
  "forum_post",
  "message",
  "notification",
] as const;
export type Entity = (typeof ENTITIES)[number];

export const isEntity = (name: string): name is Entity =>
  (ENTITIES as readonly string[]).includes(name);
