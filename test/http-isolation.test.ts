import { beforeAll, describe, expect, it } from "vitest";
import { type CatalogRoute, routeCatalog } from "../server/http/route-catalog.ts";
import { apiRouter } from "../server/routes/index.ts";
import { buildTenant, resourceOf, sampleBody, type Tenant } from "./helpers/http-world.ts";
import { api, testServer } from "./helpers/runtime.ts";

/**
 * Generated over every route in the route catalogue: organisation B gets 404 (never 403,
 * never data) for organisation A's ids, and lists (also filtered by A's ids) never include
 * A's rows. A new route is covered automatically; a route naming a resource this test
 * cannot make an id for fails until it is added to buildTenant().
 */
let url: string;
let routes: CatalogRoute[];
let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  const server = await testServer();
  url = server.url;
  routes = routeCatalog(apiRouter(server.runtime), "/api/v1").filter((r) => r.requiresAuth);
  a = await buildTenant(server, "a");
  b = await buildTenant(server, "b");
});

const aIds = () => Object.values(a.ids);

describe("cross-organisation isolation over HTTP (generated from the route catalogue)", () => {
  it("the catalogue holds the core resources", () => {
    const resources = new Set(routes.map(resourceOf));
    for (const r of [
      "users",
      "organizations",
      "sites",
      "elevators",
      "contractors",
      "work-orders",
      "api-keys",
    ]) {
      expect(resources).toContain(r);
    }
  });

  it("every route with an id answers 404 to another organisation, and reveals nothing", async () => {
    const checked: string[] = [];
    for (const route of routes.filter((r) => r.path.includes(":id"))) {
      const id = a.ids[resourceOf(route)];
      expect(id, `no fixture id for ${route.path}`).toBeTruthy();
      const body =
        route.method === "get" || route.method === "delete"
          ? undefined
          : (sampleBody(route, b) ?? {});
      const res = await api(url, route.method.toUpperCase(), route.path.replace(":id", id!), {
        token: b.token,
        body,
      });
      expect(res.status, `${route.method} ${route.path}: ${JSON.stringify(res.body)}`).toBe(404);
      expect(res.body.code).toBe("not_found");
      for (const secret of aIds().filter((x) => x !== id))
        expect(JSON.stringify(res.body)).not.toContain(secret);
      checked.push(`${route.method} ${route.path}`);
    }
    expect(checked.length).toBeGreaterThanOrEqual(20);
    // A's rows are untouched by B's attempts: A still reads them.
    for (const resource of ["sites", "elevators", "contractors", "work-orders"]) {
      expect(
        (await api(url, "GET", `/api/v1/${resource}/${a.ids[resource]}`, { token: a.token }))
          .status,
      ).toBe(200);
    }
  });

  it("no list ever includes another organisation's rows, even filtered by their ids", async () => {
    const lists = routes.filter((r) => r.method === "get" && !r.path.includes(":"));
    expect(lists.length).toBeGreaterThanOrEqual(8);
    for (const route of lists) {
      const plain = await api(url, "GET", route.path, { token: b.token });
      expect(plain.status, route.path).toBeLessThan(500);
      for (const secret of aIds())
        expect(JSON.stringify(plain.body), `${route.path} leaks ${secret}`).not.toContain(secret);
      // Every *_id filter the route accepts, pointed at A's rows.
      const shape = route.schemas.query as { shape?: Record<string, unknown> } | undefined;
      const filters = Object.keys(shape?.shape ?? {}).filter((k) => k.endsWith("_id"));
      for (const filter of filters) {
        const resource = `${filter.replace(/_id$/, "").replaceAll("_", "-")}s`;
        const value = a.ids[resource] ?? a.ids.sites;
        const res = await api(url, "GET", `${route.path}?${filter}=${value}`, { token: b.token });
        expect([200, 400, 404], `${route.path}?${filter}`).toContain(res.status);
        for (const secret of aIds()) expect(JSON.stringify(res.body)).not.toContain(secret);
      }
    }
  });

  it("an organisation sees its own rows through the same routes", async () => {
    for (const resource of ["sites", "elevators", "contractors", "work-orders"]) {
      const list = await api(url, "GET", `/api/v1/${resource}`, { token: a.token });
      expect(list.status).toBe(200);
      expect(list.body.data.map((r: { id: string }) => r.id)).toContain(a.ids[resource]);
    }
  });
});
