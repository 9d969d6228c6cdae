import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { sha256 } from "../auth/tokens.ts";
import { rateLimited, unavailable } from "../errors.ts";
import type { Runtime } from "../runtime.ts";

/**
 * Redis-backed limits (rate-limiter-flexible, atomic Lua INCR+TTL), shared by every API
 * process. Keys start with env.REDIS_KEY_PREFIX. If Redis is down the request fails with
 * 503 rather than skipping the check: a limit that silently switches off is no limit.
 */

/** Failed logins per email (lowercased) and per client IP, in one window. */
export const LOGIN_LIMITS = {
  perEmail: 5,
  perIp: 20,
  windowSeconds: 15 * 60,
} as const;

export const API_KEY_WINDOW_SECONDS = 3600;

type Limiters = {
  loginByEmail: RateLimiterRedis;
  loginByIp: RateLimiterRedis;
  apiKeysByLimit: Map<number, RateLimiterRedis>;
  accountMail: Map<AccountMailLimit, RateLimiterRedis>;
  prefix: string;
  redis: Runtime["redis"];
};

const cache = new WeakMap<Runtime["redis"], Limiters>();

const limiterFor = (redis: Runtime["redis"], keyPrefix: string, points: number, duration: number) =>
  new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration });

function limitersOf(runtime: Runtime): Limiters {
  const existing = cache.get(runtime.redis);
  if (existing) return existing;
  const prefix = runtime.env.REDIS_KEY_PREFIX;
  const make = (keyPrefix: string, points: number, duration: number) =>
    limiterFor(runtime.redis, `${prefix}:rl:${keyPrefix}`, points, duration);
  const limiters: Limiters = {
    loginByEmail: make("login-email", LOGIN_LIMITS.perEmail, LOGIN_LIMITS.windowSeconds),
    loginByIp: make("login-ip", LOGIN_LIMITS.perIp, LOGIN_LIMITS.windowSeconds),
    apiKeysByLimit: new Map(),
    accountMail: new Map(),
    prefix,
    redis: runtime.redis,
  };
  cache.set(runtime.redis, limiters);
  return limiters;
}

/** The library rejects with RateLimiterRes when over the limit, with an Error when Redis fails. */
function asAppError(err: unknown): Error {
  if (err instanceof RateLimiterRes) return rateLimited(err.msBeforeNext / 1000);
  return unavailable();
}

// Emails are hashed in keys so Redis never holds them in the clear.
const emailKey = (email: string) => sha256(email.trim().toLowerCase());

/**
 * Brute-force protection for login. check() runs BEFORE the password is verified, so a
 * blocked attacker cannot even spend our argon2 time; failures count per email and per IP.
 */
export function loginGuard(runtime: Runtime) {
  const l = limitersOf(runtime);
  return {
    async check(email: string, ip: string): Promise<void> {
      let byEmail: RateLimiterRes | null;
      let byIp: RateLimiterRes | null;
      try {
        [byEmail, byIp] = await Promise.all([
          l.loginByEmail.get(emailKey(email)),
          l.loginByIp.get(ip),
        ]);
      } catch (err) {
        throw asAppError(err);
      }
      const blocked = [
        byEmail && byEmail.consumedPoints >= LOGIN_LIMITS.perEmail ? byEmail : null,
        byIp && byIp.consumedPoints >= LOGIN_LIMITS.perIp ? byIp : null,
      ].filter((r): r is RateLimiterRes => r !== null);
      if (blocked.length > 0) {
        throw rateLimited(Math.max(...blocked.map((r) => r.msBeforeNext)) / 1000);
      }
    },
    async fail(email: string, ip: string): Promise<void> {
      try {
        await Promise.all([l.loginByEmail.penalty(emailKey(email)), l.loginByIp.penalty(ip)]);
      } catch (err) {
        throw asAppError(err);
      }
    },
    /** A correct password clears the email's count (the IP's keeps decaying on its own). */
    async succeed(email: string): Promise<void> {
      await l.loginByEmail.delete(emailKey(email)).catch(() => {});
    },
  };
}

export type ApiKeyUsage = { limit: number; remaining: number; resetSeconds: number };

/**
 * Counts one request against an API key's rate_limit_per_hour (a fixed one-hour window
 * per key). Throws 429 with Retry-After when the key is over its limit.
 */
export async function consumeApiKeyRequest(
  runtime: Runtime,
  apiKeyId: string,
  perHour: number,
): Promise<ApiKeyUsage> {
  const l = limitersOf(runtime);
  let perKey = l.apiKeysByLimit.get(perHour);
  if (!perKey) {
    perKey = limiterFor(l.redis, `${l.prefix}:rl:api-key`, perHour, API_KEY_WINDOW_SECONDS);
    l.apiKeysByLimit.set(perHour, perKey);
  }
  try {
    const res = await perKey.consume(apiKeyId);
    return {
      limit: perHour,
      remaining: res.remainingPoints,
      resetSeconds: Math.ceil(res.msBeforeNext / 1000),
    };
  } catch (err) {
    throw asAppError(err);
  }
}

/**
 * Requests that make the server send an e-mail, counted whether or not a mail really goes
 * out (so the limit reveals nothing about which addresses have accounts). They bound
 * mail-bombing one address and spraying many from one client. Per hour; every attempt
 * counts, not only failures.
 */
export const ACCOUNT_MAIL_LIMITS = {
  "register-ip": 10,
  "register-email": 3,
  "password-reset-ip": 20,
  "password-reset-email": 3,
  "email-verification-user": 3,
} as const;
export type AccountMailLimit = keyof typeof ACCOUNT_MAIL_LIMITS;
export const ACCOUNT_MAIL_WINDOW_SECONDS = 3600;

/**
 * Counts one request against each named limit (an email in a key is hashed first).
 * Every limit is consumed; 429 with the longest Retry-After if any is over.
 */
export async function consumeAccountMailLimits(
  runtime: Runtime,
  keys: Partial<Record<AccountMailLimit, string>>,
): Promise<void> {
  const l = limitersOf(runtime);
  const attempts = Object.entries(keys).map(([name, key]) => {
    const limit = name as AccountMailLimit;
    let limiter = l.accountMail.get(limit);
    if (!limiter) {
      limiter = limiterFor(
        l.redis,
        `${l.prefix}:rl:${limit}`,
        ACCOUNT_MAIL_LIMITS[limit],
        ACCOUNT_MAIL_WINDOW_SECONDS,
      );
      l.accountMail.set(limit, limiter);
    }
    return limiter.consume(limit.endsWith("-email") ? emailKey(key ?? "") : (key ?? ""));
  });
  const results = await Promise.allSettled(attempts);
  const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  if (failures.length === 0) return;
  const over = failures.filter((f): f is RateLimiterRes => f instanceof RateLimiterRes);
  if (over.length < failures.length) throw unavailable();
  throw rateLimited(Math.max(...over.map((r) => r.msBeforeNext)) / 1000);
}

const messageLimiters = new WeakMap<Runtime["redis"], RateLimiterRedis>();

/**
 * One direct message of the user's MESSAGES_PER_MINUTE (REST and socket share the count,
 * across every process). 429 / `rate_limited` beyond it; 503 when Redis is down.
 */
export async function consumeMessageSend(runtime: Runtime, userId: string): Promise<void> {
  let limiter = messageLimiters.get(runtime.redis);
  if (!limiter) {
    limiter = limiterFor(
      runtime.redis,
      `${runtime.env.REDIS_KEY_PREFIX}:rl:message-send`,
      runtime.env.MESSAGES_PER_MINUTE,
      60,
    );
    messageLimiters.set(runtime.redis, limiter);
  }
  await limiter.consume(userId).catch((err: unknown) => {
    throw asAppError(err);
  });
}
