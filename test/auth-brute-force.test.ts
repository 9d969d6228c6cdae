import { beforeAll, describe, expect, it } from "vitest";
import { LOGIN_LIMITS } from "../server/http/rate-limit.ts";
import { OWNER_PASSWORD, registerOwner, uniq } from "./helpers/register.ts";
import { api, testServer } from "./helpers/runtime.ts";

let server: Awaited<ReturnType<typeof testServer>>;
const PASSWORD = OWNER_PASSWORD;
const registerOwnerEmail = async () => (await registerOwner(server)).email;

const login = (email: string, password: string, ip?: string) =>
  api(server.url, "POST", "/api/v1/auth/login", {
    body: { email, password },
    // The app trusts X-Forwarded-For only from loopback (trust proxy), which is where tests run.
    headers: ip ? { "x-forwarded-for": ip } : {},
  });

beforeAll(async () => {
  server = await testServer();
});

describe("login brute-force protection", () => {
  it("blocks an email after repeated failures, even with the right password, with Retry-After", async () => {
    const email = await registerOwnerEmail();
    for (let i = 0; i < LOGIN_LIMITS.perEmail; i++) {
      expect((await login(email.toUpperCase(), "wrong password", "10.0.0.1")).status).toBe(401);
    }
    const blocked = await login(email, PASSWORD, "10.0.0.2");
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe("rate_limited");
    const retryAfter = Number(blocked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(LOGIN_LIMITS.windowSeconds);
  });

  it("a successful login clears the email's failure count", async () => {
    const email = await registerOwnerEmail();
    for (let i = 0; i < LOGIN_LIMITS.perEmail - 1; i++) {
      expect((await login(email, "wrong password", "10.0.1.1")).status).toBe(401);
    }
    expect((await login(email, PASSWORD, "10.0.1.1")).status).toBe(200);
    for (let i = 0; i < LOGIN_LIMITS.perEmail - 1; i++) {
      expect((await login(email, "wrong password", "10.0.1.1")).status).toBe(401);
    }
    expect((await login(email, PASSWORD, "10.0.1.1")).status).toBe(200);
  });

  // 20 failed logins, each verifying against the dummy argon2id hash (64 MiB, t=3), plus a
  // registration: over 30 s when the shared 2 cores are busy.
  it("blocks an IP after repeated failures across many emails", { timeout: 120_000 }, async () => {
    const ip = "10.0.2.1";
    for (let i = 0; i < LOGIN_LIMITS.perIp; i++) {
      expect((await login(`nobody-${uniq()}@example.test`, "wrong password", ip)).status).toBe(401);
    }
    const email = await registerOwnerEmail();
    const blocked = await login(email, PASSWORD, ip);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another client is unaffected.
    expect((await login(email, PASSWORD, "10.0.2.2")).status).toBe(200);
  });

  it("unknown emails are limited exactly like known ones", async () => {
    const email = `ghost-${uniq()}@example.test`;
    for (let i = 0; i < LOGIN_LIMITS.perEmail; i++) {
      expect((await login(email, "wrong password", "10.0.3.1")).status).toBe(401);
    }
    expect((await login(email, "wrong password", "10.0.3.2")).status).toBe(429);
  });
});
