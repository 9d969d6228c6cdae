import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import express from "express";
import { describe, expect, it } from "vitest";
import { seedDemo } from "../scripts/data/demo/seed.ts";
import { CONSOLE_DIST, consoleRouter } from "../server/http/console.ts";
import { errorHandler } from "../server/http/error-handler.ts";
import { buildOrganization, buildOrgWithUser, buildUser, sessionFor } from "./factories.ts";
import { ensureConsoleBuilt } from "./helpers/console.ts";
import { connectClient, startHub } from "./helpers/realtime.ts";
import { api, testRuntime, testServer } from "./helpers/runtime.ts";

/**
 * What the web console needs from the server: the built files at `/` with a CSP that lets
 * them run over plain HTTP, the demo logins in demo mode only, and the presence snapshot.
 */
// At the top level: the helpers' afterAll (closing servers) only registers at collection.
await ensureConsoleBuilt();
const runtime = await testRuntime({ DEMO_MODE: "true" });
await seedDemo(runtime.serviceDb, { seed: 42 });
const hub = await startHub(runtime);
const url = hub.url;
const offUrl = (await testServer()).url;

describe("the console's files", () => {
  it("serves index.html at / (revalidated) pointing at hashed, immutable assets", async () => {
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const html = await res.text();
    const script = /src="\/(app-[A-Z0-9]{8}\.js)"/.exec(html)?.[1];
    const style = /href="\/(style-[A-Z0-9]{8}\.css)"/.exec(html)?.[1];
    expect(script && style).toBeTruthy();
    for (const file of [script, style]) {
      const asset = await fetch(`${url}/${file}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    }
    expect((await readdir(CONSOLE_DIST)).sort()).toEqual(
      expect.arrayContaining(["index.html", script, style]),
    );
  });

  it("sends a CSP that allows only its own scripts and sockets, without upgrading to https", async () => {
    const csp = (await fetch(`${url}/`)).headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain("upgrade-insecure-requests");
  });

  it("answers a problem+json 404 naming the build when it is not built, and API 404s stay JSON", async () => {
    const empty = await mkdtemp(path.join(tmpdir(), "sitesync-console-"));
    const app = express();
    app.use(consoleRouter(empty));
    app.use(errorHandler);
    const server = app.listen(0);
    const port = (server.address() as { port: number }).port;
    try {
      const res = await api(`http://127.0.0.1:${port}`, "GET", "/");
      expect(res.status).toBe(404);
      expect(res.body.detail).toContain("npm run build");
      await writeFile(path.join(empty, "index.html"), "<!doctype html><title>x</title>");
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    } finally {
      server.close();
    }
    const missing = await api(url, "GET", "/api/v1/no-such-route");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
  });
});

describe("GET /api/v1/demo/logins", () => {
  it("lists the demo logins and their password in demo mode, without credentials", async () => {
    const res = await api(url, "GET", "/api/v1/demo/logins");
    expect(res.status).toBe(200);
    expect(res.body.password).toBe("sitesync-demo-1");
    expect(res.body.logins).toHaveLength(57);
    expect(res.body.logins[0]).toEqual({
      email: expect.stringMatching(/^owner@.*\.demo$/),
      role: "owner",
      organization: expect.any(String),
    });
    expect(res.body.logins.at(-1).organization).toBe("tenant portal");
    // What the list offers really signs in.
    const login = await api(url, "POST", "/api/v1/auth/login", {
      body: { email: "manager@harbourlift.demo", password: res.body.password },
    });
    expect(login.status).toBe(200);
  });

  it("leaves out users who cannot sign in, and other users entirely", async () => {
    const { runtime } = hub;
    const org = await buildOrganization(runtime.serviceDb);
    await buildUser(runtime.serviceDb, { organizationId: org.id, email: "someone@example.test" });
    await buildUser(runtime.serviceDb, { organizationId: org.id, email: "nopass@x.demo" });
    const res = await api(url, "GET", "/api/v1/demo/logins");
    const emails = res.body.logins.map((l: { email: string }) => l.email);
    expect(emails).not.toContain("someone@example.test");
    expect(emails).not.toContain("nopass@x.demo");
  });

  it("does not exist outside demo mode", async () => {
    const res = await api(offUrl, "GET", "/api/v1/demo/logins");
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("not_found");
  });
});

describe("GET /api/v1/presence", () => {
  it("lists the organisation's users with a connected socket, and nobody else's", async () => {
    const db = hub.runtime.serviceDb;
    const a = await buildOrgWithUser(db, "manager");
    const colleague = await buildUser(db, { organizationId: a.orgId, role: "technician" });
    const other = await buildOrgWithUser(db, "manager");
    const before = await api(url, "GET", "/api/v1/presence", { token: a.token });
    expect(before.status).toBe(200);
    expect(before.body.online).toEqual([]);

    const colleagueClient = await connectClient(url, (await sessionFor(db, colleague)).token);
    await connectClient(url, other.token);
    await expect
      .poll(async () => (await api(url, "GET", "/api/v1/presence", { token: a.token })).body.online)
      .toEqual([colleague.id]);
    const otherView = await api(url, "GET", "/api/v1/presence", { token: other.token });
    expect(otherView.body.online).toEqual([other.userId]);

    colleagueClient.close();
    await expect
      .poll(async () => (await api(url, "GET", "/api/v1/presence", { token: a.token })).body.online)
      .toEqual([]);
  });

  it("needs realtime:org (a guest is refused) and credentials", async () => {
    const guest = await buildOrgWithUser(hub.runtime.serviceDb, "guest");
    expect((await api(url, "GET", "/api/v1/presence", { token: guest.token })).status).toBe(403);
    expect((await api(url, "GET", "/api/v1/presence")).status).toBe(401);
  });
});
