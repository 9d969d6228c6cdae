import { connect } from "node:net";
import { Duplex } from "node:stream";
import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "../server/env.ts";
import { answerClientError } from "../server/http/client-error.ts";
import { api, METRICS_HEADERS, metricsText, testRuntime, testServer } from "./helpers/runtime.ts";

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

  it("reads a Sentinel list and a direct LISTEN URL (defaulting to the service URL)", () => {
    const env = parseEnv({
      REDIS_SENTINELS: "127.0.0.1:26379, sentinel-2.internal:26380,[::1]:26381",
      SERVICE_DATABASE_URL: "postgres://s:s@127.0.0.1:6432/sitesync",
    });
    expect(env.REDIS_SENTINELS).toEqual([
      { host: "127.0.0.1", port: 26379 },
      { host: "sentinel-2.internal", port: 26380 },
      { host: "::1", port: 26381 },
    ]);
    expect(env.REDIS_SENTINEL_NAME).toBe("sitesync");
    expect(env.LISTEN_DATABASE_URL).toBe("postgres://s:s@127.0.0.1:6432/sitesync");
    expect(parseEnv({}).REDIS_SENTINELS).toBeUndefined();
    expect(
      parseEnv({ LISTEN_DATABASE_URL: "postgres://s:s@127.0.0.1:5432/sitesync" })
        .LISTEN_DATABASE_URL,
    ).toBe("postgres://s:s@127.0.0.1:5432/sitesync");
    expect(() => parseEnv({ REDIS_SENTINELS: "127.0.0.1" })).toThrow(/REDIS_SENTINELS/);
    expect(() => parseEnv({ REDIS_SENTINELS: "127.0.0.1:99999" })).toThrow(/REDIS_SENTINELS/);
    expect(() => parseEnv({ LISTEN_DATABASE_URL: "redis://x" })).toThrow(/LISTEN_DATABASE_URL/);
  });

  it("refuses the development JWT secret in production", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(/JWT_SECRET/);
  });

  it("METRICS_TOKEN is optional (empty means unset) and at least 32 characters when set", () => {
    expect(parseEnv({}).METRICS_TOKEN).toBeUndefined();
    expect(parseEnv({ METRICS_TOKEN: "" }).METRICS_TOKEN).toBeUndefined();
    expect(parseEnv({ METRICS_TOKEN: "m".repeat(32) }).METRICS_TOKEN).toBe("m".repeat(32));
    expect(() => parseEnv({ METRICS_TOKEN: "short" })).toThrow(/METRICS_TOKEN/);
  });
});

describe("operations endpoints", () => {
  it("/healthz, /readyz and /metrics answer; unknown routes are problem+json 404", async () => {
    const { url } = await testServer();
    expect((await api(url, "GET", "/healthz")).body).toEqual({ ok: true });
    const ready = await api(url, "GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toMatchObject({ postgres: true, redis: true });
    expect(await metricsText(url)).toContain("sitesync_http_request_duration_seconds");
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

describe("/metrics is protected", () => {
  it("answers only to the bearer METRICS_TOKEN: 401 problem+json without it or with another", async () => {
    const { url } = await testServer();
    for (const headers of [
      {} as Record<string, string>,
      { authorization: "Bearer not-the-metrics-token-0123456789abcdef" },
      { authorization: `Basic ${Buffer.from("x:y").toString("base64")}` },
      // A user's credential is not the metrics token either.
      { authorization: `${METRICS_HEADERS.authorization}x` },
    ]) {
      const res = await api(url, "GET", "/metrics", { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="metrics"');
      expect(res.body.code).toBe("unauthorized");
      expect(JSON.stringify(res.body)).not.toContain("sitesync_");
    }
    const ok = await fetch(`${url}/metrics`, { headers: METRICS_HEADERS });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toContain("text/plain");
  });

  it("is switched off (404) when no METRICS_TOKEN is configured", async () => {
    const { url } = await testServer(await testRuntime({ METRICS_TOKEN: "" }));
    const res = await api(url, "GET", "/metrics", { headers: METRICS_HEADERS });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("not_found");
  });
});

/** Writes raw bytes on a fresh TCP connection and returns everything the server answers. */
function rawExchange(url: string, request: string | Buffer): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => {
      answer += chunk;
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
    socket.write(request);
  });
}

function problemOf(answer: string): { status: number; contentType: string; body: any } {
  const [head = "", body = ""] = answer.split("\r\n\r\n");
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const contentType = /^content-type: *(.*)$/im.exec(head)?.[1] ?? "";
  return { status, contentType, body: body ? JSON.parse(body) : null };
}

describe("requests Node itself refuses", () => {
  it("headers over the limit get 431 problem+json", async () => {
    const { url } = await testServer();
    const answer = await rawExchange(
      url,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    );
    const res = problemOf(answer);
    expect(res.status, answer.slice(0, 300)).toBe(431);
    expect(res.contentType).toContain("application/problem+json");
    expect(res.body).toMatchObject({ status: 431, code: "request_header_too_large" });
  });

  it("malformed framing gets 400 problem+json", async () => {
    const { url } = await testServer();
    for (const request of [
      "NOT A REQUEST\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
    ]) {
      const answer = await rawExchange(url, request);
      const res = problemOf(answer);
      expect(res.status, `${JSON.stringify(request)} -> ${answer.slice(0, 200)}`).toBe(400);
      expect(res.contentType).toContain("application/problem+json");
      expect(res.body).toMatchObject({ status: 400, code: "invalid_request" });
    }
  });
});

describe("answerClientError", () => {
  const socketWriting = (into: Buffer[]) =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        into.push(chunk);
        done();
      },
    });

  it("answers Node's request timeout with 408 problem+json and closes", async () => {
    const written: Buffer[] = [];
    const socket = socketWriting(written);
    const finished = new Promise((resolve) => socket.on("finish", resolve));
    answerClientError(
      Object.assign(new Error("timeout"), { code: "ERR_HTTP_REQUEST_TIMEOUT" }),
      socket,
    );
    await finished;
    const res = problemOf(Buffer.concat(written).toString());
    expect(res.status).toBe(408);
    expect(res.contentType).toContain("application/problem+json");
    expect(res.body).toMatchObject({ status: 408, code: "request_timeout" });
  });

  it("only destroys a connection the client reset or that is already answering", () => {
    const reset = socketWriting([]);
    answerClientError(Object.assign(new Error("reset"), { code: "ECONNRESET" }), reset);
    expect(reset.destroyed).toBe(true);
    const written: Buffer[] = [];
    const busy = Object.assign(socketWriting(written), { _httpMessage: { headersSent: true } });
    answerClientError(Object.assign(new Error("bad"), { code: "HPE_INVALID_METHOD" }), busy);
    expect(busy.destroyed).toBe(true);
    expect(written).toEqual([]);
  });
});
