import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { CatalogRoute } from "../server/http/route-catalog.ts";
import type { Runtime } from "../server/runtime.ts";
import {
  databaseDigest,
  type JsonSchema,
  resourceOf,
  routeWorld,
  sampleBody,
  type Tenant,
} from "./helpers/http-world.ts";
import { api } from "./helpers/runtime.ts";
import { badBodies } from "./helpers/samples.ts";

/**
 * Table-driven bad input for every write route, generated from each route's own zod body
 * schema: wrong types, missing required fields, unknown fields, invalid enum values,
 * negative money, a 2 MiB body and malformed ids in paths. Each gets the documented 4xx
 * as problem+json and the database is byte-for-byte unchanged afterwards.
 */
let url: string;
let runtime: Runtime;
let routes: CatalogRoute[];
let t: Tenant;

beforeAll(async () => {
  ({ url, runtime, routes, t } = await routeWorld("bad"));
});

const writeRoutes = () =>
  routes.filter((r) => ["post", "patch", "put"].includes(r.method) && r.schemas.body);
const pathFor = (route: CatalogRoute) =>
  route.path.replace(":id", t.ids[resourceOf(route)] ?? "missing");

describe("bad input to every write route (generated from the zod schemas)", () => {
  it("every write route has a valid sample body", () => {
    const missing = writeRoutes()
      .filter((r) => !sampleBody(r, t))
      .map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
  });

  it("wrong types, missing and unknown fields, bad enums, bad uuids and negative money get 400 and write nothing", async () => {
    let cases = 0;
    for (const route of writeRoutes()) {
      const schema = z.toJSONSchema(route.schemas.body!, {
        io: "input",
        unrepresentable: "any",
      }) as JsonSchema;
      const valid = sampleBody(route, t)!;
      // One digest of every table around each route's cases: any write by any of them
      // changes it (a digest per case made the sweep take minutes on a busy machine).
      const before = await databaseDigest(runtime);
      for (const [label, body] of badBodies(schema, valid)) {
        const res = await api(url, route.method.toUpperCase(), pathFor(route), {
          token: t.token,
          body,
        });
        const where = `${route.method} ${route.path} (${label})`;
        expect(res.status, `${where}: ${JSON.stringify(res.body)}`).toBe(400);
        expect(res.headers.get("content-type"), where).toContain("application/problem+json");
        expect(res.body.code, where).toBe("invalid_request");
        expect(Array.isArray(res.body.errors), where).toBe(true);
        cases++;
      }
      const where = `${route.method} ${route.path}`;
      expect(await databaseDigest(runtime), `${where}: a bad body wrote to the database`).toBe(
        before,
      );
    }
    expect(cases).toBeGreaterThan(100);
    // Hundreds of requests: a few seconds on an idle 2-core machine, more when other test
    // files share it.
  }, 120_000);

  it("a 2 MiB body gets 413 on every write route and writes nothing", async () => {
    const before = await databaseDigest(runtime);
    for (const route of writeRoutes()) {
      const body = { ...sampleBody(route, t), padding: "x".repeat(2 * 1024 * 1024) };
      const res = await api(url, route.method.toUpperCase(), pathFor(route), {
        token: t.token,
        body,
      });
      expect(res.status, `${route.method} ${route.path}`).toBe(413);
      expect(res.body.code).toBe("payload_too_large");
    }
    expect(await databaseDigest(runtime)).toBe(before);
  });

  it("a malformed id in any path gets 400, not a database error", async () => {
    for (const route of routes.filter((r) => r.path.includes(":id") && r.requiresAuth)) {
      for (const bad of [
        "not-a-uuid",
        "1%27%20OR%201%3D1",
        "00000000-0000-0000-0000-00000000000Z",
      ]) {
        const body =
          route.method === "get" || route.method === "delete" ? undefined : sampleBody(route, t);
        const res = await api(url, route.method.toUpperCase(), route.path.replace(":id", bad), {
          token: t.token,
          body,
        });
        expect(res.status, `${route.method} ${route.path} with ${bad}`).toBe(400);
        expect(res.body.code).toBe("invalid_request");
      }
    }
  });
});

const INJECTION = `Robert'); DROP TABLE work_orders;-- <script>alert("x")</script> & ü`;

describe("SQL and HTML injection strings are stored literally", () => {
  it("comes back byte-for-byte as JSON (escaped), never interpreted", async () => {
    const creators = writeRoutes().filter(
      (r) =>
        r.method === "post" &&
        ["sites", "elevators", "contractors", "work-orders"].includes(resourceOf(r)) &&
        !r.path.includes(":"),
    );
    expect(creators).toHaveLength(4);
    for (const route of creators) {
      const schema = z.toJSONSchema(route.schemas.body!, {
        io: "input",
        unrepresentable: "any",
      }) as JsonSchema;
      const body: Record<string, unknown> = { ...sampleBody(route, t) };
      const injected: string[] = [];
      for (const [name, prop] of Object.entries(schema.properties ?? {})) {
        const plain =
          prop.type === "string" ||
          prop.anyOf?.some((x) => x.type === "string" && !x.format && !x.pattern && !x.enum);
        if (
          !plain ||
          prop.format ||
          prop.pattern ||
          prop.enum ||
          name.endsWith("_id") ||
          /email|phone|url|state|code$|number$/.test(name)
        )
          continue;
        const max = prop.maxLength ?? prop.anyOf?.find((x) => x.maxLength)?.maxLength ?? 10_000;
        body[name] = INJECTION.slice(0, max);
        injected.push(name);
      }
      expect(injected.length, route.path).toBeGreaterThan(0);
      const created = await api(url, "POST", route.path, { token: t.token, body });
      expect(created.status, `${route.path}: ${JSON.stringify(created.body)}`).toBe(201);
      const fetched = await api(url, "GET", `${route.path}/${created.body.id}`, { token: t.token });
      expect(fetched.status).toBe(200);
      expect(fetched.headers.get("content-type")).toContain("application/json");
      expect(fetched.headers.get("x-content-type-options")).toBe("nosniff");
      for (const name of injected)
        expect(fetched.body[name], `${route.path}.${name}`).toBe(body[name]);
    }
    // The tables the strings talked about are all still there.
    expect((await api(url, "GET", "/api/v1/work-orders", { token: t.token })).status).toBe(200);
  });
});
