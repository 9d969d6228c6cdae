import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "../server/env.ts";
import { api, testServer } from "./helpers/runtime.ts";

describe("configuration", () => {
  it("uses documented defaults when nothing is set", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toContain("sitesync_app");
    expect(env.SITESYNC_ROLES).toEqual(["api", "workers"]);
  });

  it("reports every bad value at once", () => {
    let message = "";
    try {
      parseEnv({
        PORT: "eighty",
        DATABASE_URL: "mysql://x",
        REDIS_URL: "nope",
        JWT_SECRET: "short",
        SITESYNC_ROLES: "api,cron",
      });
    } catch (err) {
      expect(err).toBeInstanceOf(EnvError);
      message = (err as Error).message;
    }
    for (const key of ["PORT", "DATABASE_URL", "REDIS_URL", "JWT_SECRET", "SITESYNC_ROLES"])
      expect(message).toContain(key);
  });

  it("refuses the development JWT secret in production", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(/JWT_SECRET/);
  });
});

describe("operations endpoints", () => {
  it("/healthz, /readyz and /metrics answer; unknown routes are problem+json 404", async () => {
    const { url } = await testServer();
    expect((await api(url, "GET", "/healthz")).body).toEqual({ ok: true });
    const ready = await api(url, "GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toMatchObject({ postgres: true, redis: true });
    const metrics = await fetch(`${url}/metrics`);
    expect(await metrics.text()).toContain("sitesync_http_request_duration_seconds");
    const missing = await api(url, "GET", "/api/v1/nope");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
    expect(missing.body).toMatchObject({ status: 404, code: "not_found" });
  });

  it("/readyz is 503 when any dependency check fails", async () => {
    const { runtime, url } = await testServer();
    runtime.readiness.push({ name: "redis-unreachable", check: async () => false });
    const ready = await api(url, "GET", "/readyz");
    expect(ready.status).toBe(503);
    expect(ready.body.ok).toBe(false);
  });

  it("a body over the limit is 413 and malformed JSON is 400, both problem+json", async () => {
    const { url } = await testServer();
    const big = await api(url, "POST", "/api/v1/audit/verify", {
      rawBody: JSON.stringify({ x: "a".repeat(2 * 1024 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect(big.body.code).toBe("payload_too_large");
    const bad = await api(url, "POST", "/api/v1/auth/login", { rawBody: "{not json" });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("invalid_request");
  });
});
