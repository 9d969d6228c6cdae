import { topicName } from "../../shared/realtime/topics.ts";
import { logger } from "../logger.ts";
import type { Redis } from "../redis.ts";
import type { HubServer } from "./types.ts";

const log = logger.child({ component: "realtime-presence" });

/** Longer than the adapter clients' reconnect backoff cap (hub.ts, 2 s). */
const REANNOUNCE_AFTER_MS = 3_000;

type PresenceOptions = { heartbeatMs?: number; ttlMs?: number; sweepMs?: number };

// Takes a dead node's users and forgets the node, atomically: only one sweeper gets them.
const CLAIM_DEAD_NODE = `
local users = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return users`;

// Whether any node with a live heartbeat holds a socket of the user (one round trip).
const ONLINE_ANYWHERE = `
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. ':node:' .. node) == 1
     and redis.call('HEXISTS', ARGV[1] .. ':users:' .. node, ARGV[2]) == 1 then
    return 1
  end
end
return 0`;

/**
 * Whether the user has a socket connected to any hub node, from any process (the API
 * deciding whether a direct message's recipient needs a notification, say). Reads the
 * state the Presence of every node keeps in Redis under `<keyPrefix>:presence`.
 */
export async function isUserOnline(redis: Redis, keyPrefix: string, userId: string) {
  const keys = presenceKeys(keyPrefix);
  return (await redis.eval(ONLINE_ANYWHERE, 1, keys.nodes, keys.prefix, userId)) === 1;
}

/** The Redis keys presence lives under (one layout for the hub and for readers). */
function presenceKeys(keyPrefix: string) {
  const prefix = `${keyPrefix}:presence`;
  return {
    prefix,
    heartbeat: (node: string) => `${prefix}:node:${node}`,
    users: (node: string) => `${prefix}:users:${node}`,
    nodes: `${prefix}:nodes`,
  };
}

/**
 * The users of one organisation online now: held by a node whose heartbeat is alive (a
 * dead node's users are someone else's to claim and announce). Reads every live node's
 * hash, so it costs O(connected users); GET /api/v1/presence calls it once per page load.
 */
export async function onlineUsersOf(
  redis: Redis,
  keyPrefix: string,
  organizationId: string,
): Promise<string[]> {
  const keys = presenceKeys(keyPrefix);
  const online = new Set<string>();
  for (const node of await redis.smembers(keys.nodes)) {
    if (!(await redis.exists(keys.heartbeat(node)))) continue;
    const users = await redis.hgetall(keys.users(node));
    for (const [userId, orgId] of Object.entries(users)) {
      if (orgId === organizationId) online.add(userId);
    }
  }
  return [...online];
}

/**
 * Cluster-wide presence in Redis. Each node keeps a heartbeat key with a TTL and a hash of
 * the users it holds sockets for (user id -> organisation id). A user is online while any
 * live node holds one of their sockets. A node that dies without goodbye stops beating;
 * within ttl + sweep interval a surviving node claims its users and announces those no
 * other node holds as offline. Updates go to `org:<id>` rooms through the Redis adapter,
 * so they reach sockets on every node. After a Redis restart each node writes its
 * state back (on the client's "ready") and then announces the arrivals and departures that
 * Redis being away kept it from announcing. Users of no organisation are kept (with "" as
 * their organisation) so isUserOnline() knows them, but announced to nobody.
 */
export class Presence {
  private readonly local = new Map<string, { count: number; orgId: string }>();
  /**
   * Users whose arrival or departure could not be announced while Redis was away (user id
   * -> organisation id). Which one to announce is decided when Redis is back, from the
   * state then.
   */
  private readonly unannounced = new Map<string, string>();
  private readonly io: HubServer;
  private readonly redis: Redis;
  private readonly nodeId: string;
  private readonly keys: ReturnType<typeof presenceKeys>;
  private readonly heartbeatMs: number;
  private readonly ttlMs: number;
  private readonly sweepMs: number;
  private timers: NodeJS.Timeout[] = [];
  private readonly onReady = () => void this.resync();

  constructor(
    io: HubServer,
    redis: Redis,
    prefix: string,
    nodeId: string,
    options: PresenceOptions = {},
  ) {
    this.io = io;
    this.redis = redis;
    this.keys = presenceKeys(prefix);
    this.nodeId = nodeId;
    this.heartbeatMs = options.heartbeatMs ?? 3_000;
    this.ttlMs = options.ttlMs ?? 10_000;
    this.sweepMs = options.sweepMs ?? 5_000;
  }

  private heartbeatKey = (node: string) => this.keys.heartbeat(node);
  private usersKey = (node: string) => this.keys.users(node);
  private get nodesKey() {
    return this.keys.nodes;
  }

  async start(): Promise<void> {
    await this.resync();
    this.timers.push(setInterval(() => void this.beat(), this.heartbeatMs));
    this.timers.push(setInterval(() => void this.sweep(), this.sweepMs));
    for (const t of this.timers) t.unref();
    this.redis.on("ready", this.onReady);
  }

  async connected(userId: string, orgId: string): Promise<void> {
    const entry = this.local.get(userId);
    if (entry) {
      entry.count++;
      return;
    }
    this.local.set(userId, { count: 1, orgId });
    await this.guard(
      async () => {
        await this.redis.hset(this.usersKey(this.nodeId), userId, orgId);
        if (!(await this.heldElsewhere(userId))) this.announce(userId, orgId, "online");
      },
      () => this.unannounced.set(userId, orgId),
    );
  }

  async disconnected(userId: string): Promise<void> {
    const entry = this.local.get(userId);
    if (!entry) return;
    entry.count--;
    if (entry.count > 0) return;
    this.local.delete(userId);
    await this.guard(
      async () => {
        await this.redis.hdel(this.usersKey(this.nodeId), userId);
        // Re-check locally: a new socket may have arrived while Redis answered.
        if (!this.local.has(userId) && !(await this.heldElsewhere(userId))) {
          this.announce(userId, entry.orgId, "offline");
        }
      },
      () => this.unannounced.set(userId, entry.orgId),
    );
  }

  private announce(userId: string, orgId: string, status: "online" | "offline"): void {
    // Users of no organisation ("") are tracked (isUserOnline) but announced to nobody.
    if (!orgId) return;
    this.io.to(topicName("org", orgId)).emit("presence", { user_id: userId, status });
  }

  private async heldElsewhere(userId: string): Promise<boolean> {
    const nodes = await this.redis.smembers(this.nodesKey);
    for (const node of nodes) {
      if (node === this.nodeId) continue;
      if (!(await this.redis.exists(this.heartbeatKey(node)))) continue;
      if (await this.redis.hexists(this.usersKey(node), userId)) return true;
    }
    return false;
  }

  private async beat(): Promise<void> {
    await this.guard(async () => {
      await this.redis.set(this.heartbeatKey(this.nodeId), "1", "PX", this.ttlMs);
      await this.redis.sadd(this.nodesKey, this.nodeId);
    });
  }

  /** Writes this node's whole state (boot, and after Redis lost it in a restart). */
  private async resync(): Promise<void> {
    await this.beat();
    await this.guard(async () => {
      const key = this.usersKey(this.nodeId);
      await this.redis.del(key);
      for (const [userId, { orgId }] of this.local) await this.redis.hset(key, userId, orgId);
    });
    await this.announceMissed();
  }

  /**
   * What the outage kept quiet, judged by the state now (a user may have come and gone).
   * Said twice: now, and once more after the other nodes' adapter subscribers have surely
   * reconnected (their backoff is capped at 2 s), since a publish before that reaches no one
   * there. Presence updates are idempotent, so a repeat is harmless.
   */
  private async announceMissed(): Promise<void> {
    const missed = [...this.unannounced];
    this.unannounced.clear();
    if (missed.length === 0) return;
    await this.announceNow(missed);
    const again = setTimeout(() => void this.announceNow(missed), REANNOUNCE_AFTER_MS);
    again.unref();
    this.timers.push(again);
  }

  private async announceNow(missed: Array<[string, string]>): Promise<void> {
    for (const [userId, orgId] of missed) {
      await this.guard(
        async () => {
          if (this.local.has(userId)) this.announce(userId, orgId, "online");
          else if (!(await this.heldElsewhere(userId))) this.announce(userId, orgId, "offline");
        },
        () => this.unannounced.set(userId, orgId),
      );
    }
  }

  private async sweep(): Promise<void> {
    await this.guard(async () => {
      for (const node of await this.redis.smembers(this.nodesKey)) {
        if (node === this.nodeId || (await this.redis.exists(this.heartbeatKey(node)))) continue;
        const flat = (await this.redis.eval(
          CLAIM_DEAD_NODE,
          2,
          this.usersKey(node),
          this.nodesKey,
          node,
        )) as string[];
        log.info({ node, users: flat.length / 2 }, "claimed a dead hub node's presence");
        for (let i = 0; i + 1 < flat.length; i += 2) {
          const userId = flat[i] as string;
          const orgId = flat[i + 1] as string;
          if (!this.local.has(userId) && !(await this.heldElsewhere(userId))) {
            this.announce(userId, orgId, "offline");
          }
        }
      }
    });
  }

  private async guard(work: () => Promise<void>, onFailure?: () => void): Promise<void> {
    try {
      await work();
    } catch (err) {
      // Redis away: state is rewritten and missed announcements made on "ready" (resync).
      log.warn({ err: (err as Error).message }, "presence update failed");
      onFailure?.();
    }
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.redis.off("ready", this.onReady);
    await this.guard(async () => {
      await this.redis.del(this.usersKey(this.nodeId), this.heartbeatKey(this.nodeId));
      await this.redis.srem(this.nodesKey, this.nodeId);
    });
  }
}
