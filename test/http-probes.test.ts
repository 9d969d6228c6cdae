import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { sql } from "slonik";
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

/**
 * What probing the running server as an attacker found (issue 12, holes 3, 4 and 6), run
 * against every route of the route catalogue it applies to: each probe must get a 400
 * problem+json (never a 500) and write nothing.
 */
let url: string;
let runtime: Runtime;
let routes: CatalogRoute[];
let t: Tenant;

beforeAll(async () => {
  ({ url, runtime, routes, t } = await routeWorld("probe"));
});

const writeRoutes = () =>
  routes.filter((r) => ["post", "patch", "put"].includes(r.method) && r.schemas.body);
const pathFor = (route: CatalogRoute) =>
  route.path.replace(":id", t.ids[resourceOf(route)] ?? "missing");
const variants = (s: JsonSchema): JsonSchema[] => [s, ...(s.anyOf ?? [])];
const bodyProperties = (route: CatalogRoute) =>
  Object.entries(
    (z.toJSONSchema(route.schemas.body!, { io: "input", unrepresentable: "any" }) as JsonSchema)
      .properties ?? {},
  );
const isEmptySchema = (s: unknown) =>
  typeof s === "object" && s !== null && Object.keys(s).length === 0;
/** A free-form JSON field: an object of anything, or an array of anything. */
const isFreeJson = (s: JsonSchema) =>
  variants(s).some(
    (v) =>
      (v.type === "object" && isEmptySchema(v.additionalProperties)) ||
      (v.type === "array" && isEmptySchema(v.items)),
  );
const formatOf = (s: JsonSchema) => variants(s).find((v) => v.format)?.format;

async function expect400(
  res: { status: number; body: any; headers: Headers },
  where: string,
): Promise<void> {
  expect(res.status, `${where}: ${JSON.stringify(res.body)}`).toBe(400);
  expect(res.headers.get("content-type"), where).toContain("application/problem+json");
  expect(res.body.code, where).toBe("invalid_request");
}

type Case = { route: CatalogRoute; body: unknown; label: string };

/** One case per write route, body property and each bad value `badValues` names for it. */
function propertyCases(badValues: (name: string, prop: JsonSchema) => unknown[]): Case[] {
  const cases: Case[] = [];
  for (const route of writeRoutes()) {
    for (const [name, prop] of bodyProperties(route)) {
      for (const value of badValues(name, prop)) {
        cases.push({
          route,
          label: `${name}=${value}`,
          body: { ...sampleBody(route, t), [name]: value },
        });
      }
    }
  }
  return cases;
}

/** Sends each case to its route and checks it is a 400 problem+json that wrote nothing. */
async function rejectsAll(cases: Case[]): Promise<void> {
  const before = await databaseDigest(runtime);
  for (const { route, body, label } of cases) {
    const where = `${route.method} ${route.path} (${label})`;
    await expect400(
      await api(url, route.method.toUpperCase(), pathFor(route), {
        token: t.token,
        ...(typeof body === "string" ? { rawBody: body } : { body }),
      }),
      where,
    );
  }
  expect(await databaseDigest(runtime)).toBe(before);
}

type QueryParameter = { route: CatalogRoute; name: string; prop: JsonSchema; schema: z.ZodType };

/** Every query parameter of every GET route, with its own schema. */
function queryParameters(): QueryParameter[] {
  return routes
    .filter((r) => r.method === "get" && r.schemas.query instanceof z.ZodObject)
    .flatMap((route) => {
      const query = route.schemas.query as z.ZodObject;
      const json = z.toJSONSchema(query, { io: "input", unrepresentable: "any" }) as JsonSchema;
      return Object.entries(json.properties ?? {}).map(([name, prop]) => ({
        route,
        name,
        prop,
        schema: query.shape[name] as z.ZodType,
      }));
    });
}

/** The route with `name=value`, and a plain word for each other required parameter (?q=). */
function queryUrl({ route }: QueryParameter, name: string, value: string): string {
  const query = route.schemas.query as z.ZodObject;
  const params = new URLSearchParams({ [name]: value });
  for (const [other, schema] of Object.entries(query.shape)) {
    if (other !== name && !(schema as z.ZodType).safeParse(undefined).success)
      params.set(other, "lift");
  }
  return `${pathFor(route)}?${params}`;
}

/** GETs the route with each value of the parameter; each must be a 400. Returns how many. */
async function rejectsQuery(p: QueryParameter, values: string[]) {
  for (const value of values) {
    const res = await api(url, "GET", queryUrl(p, p.name, value), { token: t.token });
    await expect400(res, `${p.route.path}?${p.name}=${value}`);
  }
  return values.length;
}

describe("path ids", () => {
  it("a badly percent-encoded id is a 400 on every :id route", async () => {
    const idRoutes = routes.filter((r) => r.path.includes(":id"));
    expect(idRoutes.length).toBeGreaterThan(10);
    for (const route of idRoutes) {
      for (const bad of ["%E0%A4%A", "%", "%ZZ", "abc%C0"]) {
        const body = ["get", "delete"].includes(route.method) ? undefined : sampleBody(route, t);
        const res = await api(url, route.method.toUpperCase(), route.path.replace(":id", bad), {
          token: t.token,
          body,
        });
        await expect400(res, `${route.method} ${route.path} with ${bad}`);
      }
    }
  });
});

describe("Content-Encoding", () => {
  const encodings = ["gzip", "deflate", "br", "zstd"];

  it("a body whose bytes do not match its Content-Encoding is a 400 on every write route", async () => {
    const before = await databaseDigest(runtime);
    for (const route of writeRoutes()) {
      const plain = Buffer.from(JSON.stringify(sampleBody(route, t)));
      // Plain JSON labelled compressed, and a truncated stream of the right kind.
      const bodies: Array<[string, Buffer]> = [
        ...encodings.map((e): [string, Buffer] => [e, plain]),
        ["gzip", gzipSync(plain).subarray(0, 12)],
      ];
      for (const [encoding, bytes] of bodies) {
        const res = await fetch(`${url}${pathFor(route)}`, {
          method: route.method.toUpperCase(),
          headers: {
            authorization: `Bearer ${t.token}`,
            "content-type": "application/json",
            "content-encoding": encoding,
          },
          body: bytes,
        });
        const where = `${route.method} ${route.path} (${encoding}, ${bytes.length} bytes)`;
        const body = (await res.json()) as { code?: string };
        expect(res.status, `${where}: ${JSON.stringify(body)}`).toBe(400);
        expect(res.headers.get("content-type"), where).toContain("application/problem+json");
        expect(body.code, where).toBe("invalid_request");
      }
    }
    expect(await databaseDigest(runtime)).toBe(before);
  });

  it("a body really encoded as it says is accepted", async () => {
    const body = Buffer.from(JSON.stringify({ name: "Compressed Tower" }));
    for (const [encoding, bytes] of [
      ["gzip", gzipSync(body)],
      ["deflate", deflateSync(body)],
      ["br", brotliCompressSync(body)],
    ] as const) {
      const res = await fetch(`${url}/api/v1/sites`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${t.token}`,
          "content-type": "application/json",
          "content-encoding": encoding,
        },
        body: bytes,
      });
      expect(res.status, encoding).toBe(201);
    }
  });
});

/** `{"a":{"a":…1…}}` nested `depth` levels, built as text (no recursion in the test either). */
const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{"a":1}${"}".repeat(depth - 1)}`;

describe("free-form JSON fields", () => {
  it("a value nested 20,000 deep is a 400 on every free-form JSON field of every write route", async () => {
    const cases: Case[] = [];
    for (const route of writeRoutes()) {
      for (const [name, prop] of bodyProperties(route)) {
        if (!isFreeJson(prop)) continue;
        const valid = JSON.stringify(sampleBody(route, t));
        const deep = variants(prop).some((v) => v.type === "array")
          ? `[${nested(20_000)}]`
          : nested(20_000);
        cases.push({
          route,
          label: name,
          body: `${valid.slice(0, -1)}${valid.length > 2 ? "," : ""}"${name}":${deep}}`,
        });
      }
    }
    // sites (settings, metadata, key_holder_info), elevators (3), contractors, work orders,
    // users (3), organizations: each on its create and update routes where it has them.
    expect(cases.length).toBeGreaterThanOrEqual(16);
    await rejectsAll(cases);
  });

  it("32 levels are accepted and 33 are not, with the field named", async () => {
    const ok = await api(url, "POST", "/api/v1/sites", {
      token: t.token,
      rawBody: `{"name":"Deep","metadata":${nested(32)}}`,
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const tooDeep = await api(url, "POST", "/api/v1/sites", {
      token: t.token,
      rawBody: `{"name":"Deeper","metadata":${nested(33)}}`,
    });
    await expect400(tooDeep, "33 levels");
    expect(tooDeep.body.errors[0].path).toBe("body.metadata");
  });
});

describe("timestamps and dates", () => {
  const outside: Record<string, string[]> = {
    "date-time": [
      "0050-06-01T00:00:00Z",
      "0001-01-01T00:00:00+01:00",
      "1799-12-31T23:59:59Z",
      "9999-12-31T23:00:00-05:00",
    ],
    date: ["0050-06-01", "0001-01-01", "1799-12-31"],
  };

  it("values outside 1800–9999 are a 400 on every timestamp and date field of every write route", async () => {
    const cases = propertyCases((_name, prop) => outside[formatOf(prop) ?? ""] ?? []);
    // work orders (reported_at, scheduled_*, due_date), api keys (expires_at), elevators and
    // contractors (dates), technician profiles (career_start_date).
    expect(cases.length).toBeGreaterThan(40);
    await rejectsAll(cases);
  });

  it("and on every timestamp or date query parameter", async () => {
    let probes = 0;
    for (const p of queryParameters()) {
      probes += await rejectsQuery(p, outside[formatOf(p.prop) ?? ""] ?? []);
    }
    expect(probes).toBeGreaterThan(0);
  });

  it("the edges of the range are stored and come back unchanged", async () => {
    for (const due of ["1800-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"]) {
      const res = await api(url, "PATCH", `/api/v1/work-orders/${t.ids["work-orders"]}`, {
        token: t.token,
        body: { due_date: due },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.due_date).toBe(due);
      const got = await api(url, "GET", `/api/v1/work-orders/${t.ids["work-orders"]}`, {
        token: t.token,
      });
      expect(got.body.due_date).toBe(due);
    }
  });
});

describe("query integers", () => {
  it("every numeric query parameter takes decimal integers only", async () => {
    let probes = 0;
    const numeric: string[] = [];
    for (const p of queryParameters()) {
      // Numeric by behaviour: "10" parses to a number and a word does not.
      const ten = p.schema.safeParse("10");
      if (!ten.success || typeof ten.data !== "number" || p.schema.safeParse("ten").success)
        continue;
      numeric.push(`${p.route.path}?${p.name}`);
      probes += await rejectsQuery(p, [
        "0x10",
        "1e1",
        "10.0",
        "+10",
        " 10",
        "0b10",
        "1_0",
        "Infinity",
      ]);
      const good = await api(url, "GET", queryUrl(p, p.name, "10"), { token: t.token });
      expect(good.status, `${p.route.path}?${p.name}=10: ${JSON.stringify(good.body)}`).toBe(200);
    }
    expect(numeric).toContain("/api/v1/search?limit");
    // limit on every list route, limit_per_status, inspection_due_within_days.
    expect(probes).toBeGreaterThan(60);
  });
});

describe("URLs and time zones", () => {
  it("every *_url field takes http(s) URLs only and every timezone field IANA names only", async () => {
    const cases = propertyCases((name) =>
      name.endsWith("_url")
        ? [
            "javascript:alert(document.cookie)",
            "data:text/html,<script>alert(1)</script>",
            "ftp://example.com/x",
            "//example.com",
          ]
        : name === "timezone"
          ? ["Mars/Olympus", "+05:00", "australia/sydney", "Local"]
          : [],
    );
    // organizations (logo_url, website_url), users (avatar_url, timezone), sites (timezone).
    expect(cases.length).toBeGreaterThanOrEqual(20);
    await rejectsAll(cases);
  });

  it("accepts real URLs and IANA names, links included", async () => {
    const org = await api(url, "PATCH", `/api/v1/organizations/${t.ids.organizations}`, {
      token: t.token,
      body: { website_url: "https://lifts.example.com.au/about?x=1", logo_url: null },
    });
    expect(org.status, JSON.stringify(org.body)).toBe(200);
    for (const timezone of ["Australia/Sydney", "UTC", "Asia/Kolkata", "America/New_York"]) {
      const site = await api(url, "PATCH", `/api/v1/sites/${t.ids.sites}`, {
        token: t.token,
        body: { timezone },
      });
      expect(site.status, JSON.stringify(site.body)).toBe(200);
      expect(site.body.timezone).toBe(timezone);
    }
  });
});

describe("timestamps as Postgres returns them", () => {
  const read = async (literal: string, type = "timestamptz") =>
    runtime.db.oneFirst(
      sql.type(z.object({ v: z.string() }))`SELECT ${literal}::${sql.identifier([type])} AS v`,
    );

  it("years before 100, BC, offsets with seconds and infinity are read without new Date(text)", async () => {
    expect(await read("0050-06-01T00:00:00Z")).toBe("0050-06-01T00:00:00.000Z");
    expect(await read("0001-01-01T00:00:00+01:00")).toBe("0000-12-31T23:00:00.000Z");
    expect(await read("0044-03-15 12:00:00+00 BC")).toBe("-000043-03-15T12:00:00.000Z");
    expect(await read("2026-07-01 10:00:00.123456+00")).toBe("2026-07-01T10:00:00.123Z");
    expect(await read("infinity")).toBe("infinity");
    expect(await read("-infinity")).toBe("-infinity");
    expect(await read("0050-06-01 00:00:00", "timestamp")).toBe("0050-06-01T00:00:00.000Z");
    expect(await read("0050-06-01 00:00:00 BC", "timestamp")).toBe("-000049-06-01T00:00:00.000Z");
    // A session in a zone whose historic offset has seconds (LMT) still reads exactly.
    const lmt = await runtime.db.transaction(async (tx) => {
      await tx.query(sql.unsafe`SET LOCAL TIME ZONE 'Australia/Sydney'`);
      return tx.oneFirst(
        sql.type(z.object({ v: z.string() }))`SELECT '1850-01-01T00:00:00Z'::timestamptz AS v`,
      );
    });
    expect(lmt).toBe("1850-01-01T00:00:00.000Z");
  });

  it("a row written before the range existed comes back with its real year", async () => {
    await runtime.serviceDb.query(sql.unsafe`
      UPDATE work_orders SET due_date = '0050-06-01T00:00:00Z' WHERE id = ${t.ids["work-orders"]!}`);
    const got = await api(url, "GET", `/api/v1/work-orders/${t.ids["work-orders"]}`, {
      token: t.token,
    });
    expect(got.status, JSON.stringify(got.body)).toBe(200);
    expect(got.body.due_date).toBe("0050-06-01T00:00:00.000Z");
  });
});
