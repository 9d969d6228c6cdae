import { randomUUID } from "node:crypto";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import type { CatalogRoute } from "../server/http/route-catalog.ts";
import { resourceOf, routeWorld, sampleBody, type Tenant } from "./helpers/http-world.ts";
import { api } from "./helpers/runtime.ts";

/**
 * The OpenAPI document against the server's real answers: every route of the catalogue is
 * called (a valid request, then one for an id that does not exist and one with a bad
 * body), and each answer's status must be one the document lists for that operation and
 * its body must validate against the schema the document gives for that status.
 */
type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, Response> }>>;
};
type Response = { content?: Record<string, { schema: unknown }> };

let url: string;
let routes: CatalogRoute[];
let t: Tenant;
let doc: Doc;
/** A second session of the owner: ends the first (DELETE /me/sessions/:id), then logs out. */
let spare: string;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);

beforeAll(async () => {
  ({ url, routes, t } = await routeWorld("openapi"));
  doc = (await api(url, "GET", "/api/v1/openapi.json")).body;
  ajv.addSchema(doc, "doc");
  const login = await api(url, "POST", "/api/v1/auth/login", {
    body: { email: t.email, password: t.password },
  });
  spare = login.body.access_token;
}, 120_000);

/**
 * Routes whose sample request is refused on purpose, with the documented status: links
 * whose tokens are made up (401), a wrong current password (403), an address that is
 * already verified (409), a second profile of a user who has one (409), service request
 * actions that the fixture request's state or the owner's role refuse, the demo logins,
 * which exist only in demo mode (test/console-serving.test.ts checks their answer there),
 * and a vote for one's own forum thread or post (403).
 */
const REFUSED: Record<string, number> = {
  "post /api/v1/auth/register/verify": 401,
  "post /api/v1/auth/accept-invite": 401,
  "post /api/v1/auth/password-reset/confirm": 401,
  "post /api/v1/auth/verify-email": 401,
  "post /api/v1/me/password": 403,
  "post /api/v1/me/email-verification": 409,
  "post /api/v1/technician-profiles": 409,
  "post /api/v1/manager-profiles": 409,
  // The fixture request is acknowledged and converted into a work order first (catalogue
  // order): it then follows its work order, so staff may not resolve or close it by hand,
  // and only its tenant's portal user, not the owner, rates it.
  "post /api/v1/service-requests/:id/resolve": 409,
  "post /api/v1/service-requests/:id/close": 409,
  "post /api/v1/service-requests/:id/feedback": 403,
  "get /api/v1/demo/logins": 404,
  // The sample's thread and post are the caller's own: nobody votes for themselves.
  "put /api/v1/forum-threads/:id/vote": 403,
  "put /api/v1/forum-posts/:id/vote": 403,
};

/** Query strings a route needs to answer at all. */
const QUERIES: Record<string, string> = {
  "get /api/v1/search": "?q=lift",
  "get /api/v1/forum-search": "?q=door",
};

/** Read first, then writes, then the routes that end something (the sessions last of all). */
const ENDS_SESSION = (route: CatalogRoute) =>
  route.path.endsWith("/logout") || route.path === "/api/v1/me/sessions/:id";
function order(route: CatalogRoute): number {
  if (route.path.endsWith("/logout")) return 5;
  if (ENDS_SESSION(route)) return 4;
  // Deletes in reverse order: an elevator before the site whose delete takes it along.
  if (route.method === "delete") return 4 - (routes.indexOf(route) + 1) / 1000;
  if (/deactivate|revoke/.test(route.path)) return 3;
  return route.method === "get" ? 1 : 2;
}

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

/** Checks one real answer against the document; returns its status. */
function check(route: CatalogRoute, res: { status: number; body: unknown; headers: Headers }) {
  const path = route.path.replace(/:(\w+)/g, "{$1}");
  const where = `${route.method} ${route.path} → ${res.status} ${JSON.stringify(res.body)}`;
  const documented = doc.paths[path]?.[route.method]?.responses ?? {};
  expect(Object.keys(documented), where).toContain(String(res.status));
  const content = documented[String(res.status)]?.content;
  if (!content) {
    expect(res.body ?? "", `${where}: no body documented`).toBe("");
    return res.status;
  }
  const type = res.headers.get("content-type")?.split(";")[0] ?? "";
  expect(Object.keys(content), where).toContain(type);
  const validate = ajv.getSchema(
    `doc#/${pointer("paths", path, route.method, "responses", String(res.status), "content", type, "schema")}`,
  );
  expect(validate, where).toBeDefined();
  const valid = validate?.(res.body);
  expect(validate?.errors ?? [], where).toEqual([]);
  expect(valid, where).toBe(true);
  return res.status;
}

const call = (route: CatalogRoute, id: string, body: unknown, token = t.token) =>
  api(
    url,
    route.method.toUpperCase(),
    `${route.path.replace(":id", id)}${QUERIES[`${route.method} ${route.path}`] ?? ""}`,
    { token: route.requiresAuth ? token : undefined, body },
  );

describe("the OpenAPI document describes the real answers of every route", () => {
  it("every route documents its success status and, unless 204, its body", () => {
    for (const route of routes) {
      const path = route.path.replace(/:(\w+)/g, "{$1}");
      const responses = doc.paths[path]![route.method]!.responses;
      const success = Object.keys(responses).filter((s) => s < "300");
      expect(success, `${route.method} ${route.path}`).toHaveLength(1);
      const body = responses[success[0]!]!.content?.["application/json"]?.schema;
      if (success[0] !== "204") expect(body, `${route.method} ${route.path}`).not.toEqual({});
    }
    const status = (method: string, path: string) =>
      Object.keys(doc.paths[path]![method]!.responses).find((s) => s < "300");
    expect(status("post", "/api/v1/auth/login")).toBe("200");
    expect(status("post", "/api/v1/auth/refresh")).toBe("200");
    expect(status("post", "/api/v1/auth/logout")).toBe("204");
    expect(status("post", "/api/v1/auth/register")).toBe("202");
    expect(status("post", "/api/v1/work-orders/{id}/transition")).toBe("200");
    expect(status("post", "/api/v1/sites")).toBe("201");
    expect(status("delete", "/api/v1/sites/{id}")).toBe("204");
    const createSite = doc.paths["/api/v1/sites"]!.post!.responses;
    for (const code of ["409", "413", "415", "422"])
      expect(Object.keys(createSite)).toContain(code);
  });

  it("errors: an unknown id and a bad body get documented problem+json answers", async () => {
    for (const route of routes.filter((r) => r.requiresAuth)) {
      if (route.path.includes(":id")) {
        check(route, await call(route, randomUUID(), sampleBody(route, t)));
      }
      if (route.schemas.body) {
        const id = t.ids[resourceOf(route)] ?? randomUUID();
        const res = await call(route, id, ["not", "an", "object"]);
        expect(check(route, res), `${route.method} ${route.path}`).toBe(400);
      }
    }
  }, 120_000);
  it("valid requests: the success answer (or a documented error) matches its schema", async () => {
    const answered: string[] = [];
    for (const route of [...routes].sort((x, y) => order(x) - order(y))) {
      const key = `${route.method} ${route.path}`;
      const id = route.path.includes(":id") ? t.ids[resourceOf(route)] : undefined;
      if (route.path.includes(":id")) expect(id, `no fixture id for ${key}`).toBeTruthy();
      const token = ENDS_SESSION(route) ? spare : t.token;
      const res = await call(route, id ?? "", sampleBody(route, t), token);
      const status = check(route, res);
      if (REFUSED[key]) expect(status, `${key}: ${JSON.stringify(res.body)}`).toBe(REFUSED[key]);
      else {
        expect(status, `${key}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
        answered.push(key);
      }
    }
    expect(answered.length).toBe(routes.length - Object.keys(REFUSED).length);
  }, 120_000);
});
