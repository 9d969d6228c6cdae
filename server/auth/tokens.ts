import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";

/**
 * Access tokens: short-lived HS256 JWTs naming the user, organisation and session.
 * The session is checked on every use (principal.ts), so revocation is immediate.
 */
const AccessClaims = z.object({
  sub: z.string().uuid(),
  org: z.string().uuid().nullable(),
  sid: z.string().uuid(),
  typ: z.literal("access"),
  exp: z.number(),
});
export type AccessClaims = z.infer<typeof AccessClaims>;

export type TokenFailure = "unauthorized" | "token_expired";
export class TokenError extends Error {
  readonly reason: TokenFailure;
  constructor(reason: TokenFailure) {
    super(reason);
    this.reason = reason;
  }
}

/**
 * The HMAC key, imported into WebCrypto once per secret. Given the secret's bytes, jose
 * imports a CryptoKey on every sign and verify (one more async crypto job each); a
 * reconnect storm verifies thousands of tokens at once.
 */
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const keys = new Map<string, Promise<HmacKey>>();
function key(secret: string): Promise<HmacKey> {
  let k = keys.get(secret);
  if (!k) {
    k = crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    keys.set(secret, k);
  }
  return k;
}

export async function signAccessToken(
  secret: string,
  claims: { userId: string; organizationId: string | null; sessionId: string },
  ttlSeconds: number,
): Promise<string> {
  return new SignJWT({ org: claims.organizationId, sid: claims.sessionId, typ: "access" })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(claims.userId)
    .setIssuedAt()
    .setJti(randomBytes(8).toString("hex"))
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(await key(secret));
}

export async function verifyAccessToken(secret: string, token: string): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify(token, await key(secret), { algorithms: ["HS256"] });
    const parsed = AccessClaims.safeParse(payload);
    if (!parsed.success) throw new TokenError("unauthorized");
    return parsed.data;
  } catch (err) {
    if (err instanceof TokenError) throw err;
    if (err instanceof joseErrors.JWTExpired) throw new TokenError("token_expired");
    throw new TokenError("unauthorized");
  }
}

/** Opaque secrets (refresh tokens, API keys) are stored only as their SHA-256. */
export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/**
 * Refresh tokens look like `<session id>.<43 random chars>.<43-char MAC>`. The session id
 * finds the row to lock; the MAC (HMAC-SHA256 under JWT_SECRET of the first two parts)
 * proves the server issued this token for this session. Session ids are not secret
 * (every access token names its own), so without the MAC anyone could present
 * `<victim's sid>.<anything>` and be taken for a reused token, ending the victim's
 * session. With it, only a token really issued for that session and since rotated away
 * counts as reuse; anything else is just invalid.
 */
const refreshMac = (secret: string, body: string) =>
  createHmac("sha256", secret).update(`refresh-token:${body}`).digest("base64url");

export function newRefreshToken(secret: string, sessionId: string): string {
  const body = `${sessionId}.${randomBytes(32).toString("base64url")}`;
  return `${body}.${refreshMac(secret, body)}`;
}

/** The session a refresh token was issued for, or null when it is malformed or forged. */
export function parseRefreshToken(secret: string, token: string): { sessionId: string } | null {
  const m = /^(([0-9a-f-]{36})\.[A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m?.[1] || !m[2] || !m[3]) return null;
  const expected = Buffer.from(refreshMac(secret, m[1]));
  const presented = Buffer.from(m[3]);
  if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) return null;
  return { sessionId: m[2] };
}

/**
 * One-time tokens sent by e-mail: `<prefix>_<43 random base64url chars>` (256 bits, so
 * guessing is hopeless and needs no rate limit). Prefixes: ssi (invitation), ssr
 * (registration), ssp (password reset), ssv (e-mail verification). Stored as SHA-256.
 */
export function newOneTimeToken(prefix: "ssi" | "ssr" | "ssp" | "ssv"): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

/** API keys look like ssk_<prefix>_<secret>; the prefix finds the row, the hash proves it. */
export function newApiKey(): { key: string; prefix: string } {
  const prefix = randomBytes(6).toString("base64url").replace(/[-_]/g, "x").slice(0, 8);
  return { key: `ssk_${prefix}_${randomBytes(32).toString("base64url")}`, prefix };
}

export function parseApiKey(token: string): { prefix: string } | null {
  const m = /^ssk_([A-Za-z0-9]{8})_[A-Za-z0-9_-]{43}$/.exec(token);
  return m?.[1] ? { prefix: m[1] } : null;
}
