import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { AnyResource } from "../server/db/resource-rows.ts";
import { RESOURCES } from "../server/resources/index.ts";
import { API_KEY_SCOPES, type Permission } from "../shared/permissions.ts";
import type { Filter } from "../shared/resources/define.ts";
import { buildOrgWithUser } from "./factories.ts";
import { api, testServer } from "./helpers/runtime.ts";
import { badBodies, badQueryValue, exampleOf, jsonSchemaOf } from "./helpers/samples.ts";

/**
 * Generated from the resource definitions (server/resources/index.ts): every definition
 * gets these tests without anyone writing them. Rows are made through the API from the
 * definition's own create schema (required columns, references pointing at rows made
 * before), so a new definition is covered as soon as it is listed in RESOURCES.
 *
 * Per definition: the standard routes work; another organisation gets 404 (never 403,
 * never data) on get/patch/delete of a row and never sees it in a list, even filtered;
 * bad bodies, queries and ids get 400 problem+json and write nothing; a credential without
 * the permission gets 403 and writes nothing; every sort pages without repeats or gaps;
 * each change writes one audit event; soft delete hides the row and its cascade.
 */

/** Values a generated body cannot guess (a row other organisations must not see, by RLS). */
const SAMPLE_OVERRIDES: Record<string, Record<string, unknown>> = {
  technician_profiles: { profile_visibility: "private" },
  // The organisation's own category, visible to its members only.
  forum_categories: { scope_type: "organization", visibility: "organization" },
  // A subscription names a thread or a category, not both.
  forum_subscriptions: { category_id: undefined },
};

/**
 * Rows of read-only definitions (no create route: notifications come from domain events),
 * made directly for the org's owner; returns their ids.
 */
const SEED: Record<string, (org: { userId: string }) => Promise<readonly string[]>> = {
  notifications: (org) =>
    server.runtime.serviceDb.anyFirst(sql.type(z.object({ id: z.string() }))`
      INSERT INTO notifications (user_id, notification_type, title, link_type, link_url, is_read)
      VALUES (${org.userId}, 'reminder', 'Inspection due', 'elevator', '/elevators', false),
             (${org.userId}, 'work_order_assigned', 'WO assigned', 'work_order', '/work-orders', true)
      RETURNING id`),
};

type Org = Awaited<ReturnType<typeof buildOrgWithUser>> & {
  /** Row ids by table: users → the owner; each definition's table → its first row. */
  ids: Record<string, string>;
  rows: Record<string, string[]>;
};

let server: Awaited<ReturnType<typeof testServer>>;
let a: Org;
let b: Org;
/** API keys of A's owner: one that may only read the organisation (no resource permission),
 *  one that may read everything and write nothing. */
let noneKey: string;
let readKey: string;

const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
  api(server.url, method, `/api/v1${path}`, { token, body });

function createBody(def: AnyResource, org: Org): Record<string, unknown> {
  const schema = jsonSchemaOf(def.create);
  const references = (def.references ?? {}) as Record<string, string>;
  const body: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const table = references[name];
    if (table) {
      const id = org.ids[table];
      const required = schema.required?.includes(name);
      if (!id && required) throw new Error(`${def.table}.${name}: no ${table} row made before it`);
      if (id) body[name] = id;
    } else if (schema.required?.includes(name)) body[name] = exampleOf(prop);
  }
  return { ...body, ...SAMPLE_OVERRIDES[def.table] };
}

/** A PATCH body setting the first writable column that is not a reference. */
function patchBody(def: AnyResource): Record<string, unknown> {
  const references = (def.references ?? {}) as Record<string, string>;
  const props = jsonSchemaOf(def.update).properties ?? {};
  const [name, prop] = Object.entries(props).find(([n]) => !references[n]) ?? [];
  if (!name || !prop) throw new Error(`${def.table}: nothing to patch`);
  return { [name]: exampleOf(prop) };
}

async function makeOrg(): Promise<Org> {
  const org = await buildOrgWithUser(server.runtime.serviceDb, "owner");
  const made: Org = { ...org, ids: { users: org.userId }, rows: {} };
  for (const { def } of RESOURCES) {
    if (!def.operations.includes("create")) {
      const seed = SEED[def.table];
      if (!seed) throw new Error(`${def.table} has no create route: add a SEED entry`);
      made.rows[def.table] = [...(await seed(org))];
      made.ids[def.table] = made.rows[def.table]![0]!;
      continue;
    }
    // A user-scoped table holds one row per user; others get two, so pages have a next.
    for (let i = 0; i < (def.scope === "user" ? 1 : 2); i++) {
      const res = await call("POST", `/${def.path}`, org.token, createBody(def, made));
      if (res.status !== 201) {
        throw new Error(`POST /${def.path}: ${res.status} ${JSON.stringify(res.body)}`);
      }
      made.ids[def.table] ??= res.body.id;
      made.rows[def.table] = [...(made.rows[def.table] ?? []), res.body.id];
    }
  }
  return made;
}

/** The definition's table (and its cascade children) and the audit trail, as one digest. */
async function digest(def: AnyResource): Promise<string> {
  const tables = [def.table, ...Object.keys(def.cascade), "audit_events"];
  const parts: string[] = [];
  for (const table of tables) {
    parts.push(
      await server.runtime.serviceDb.oneFirst(sql.type(z.object({ d: z.string() }))`
        SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), 'empty') AS d
          FROM ${sql.identifier([table])} t`),
    );
  }
  return parts.join(",");
}

async function auditOf(entityId: string) {
  return server.runtime.serviceDb.any(sql.type(
    z.object({ event_type: z.string(), entity_type: z.string(), event_data: z.unknown() }),
  )`SELECT event_type, entity_type, event_data FROM audit_events
     WHERE entity_id = ${entityId} ORDER BY chain_seq`);
}

beforeAll(async () => {
  server = await testServer();
  a = await makeOrg();
  b = await makeOrg();
  const key = async (scopes: string[]) => {
    const res = await call("POST", "/api-keys", a.token, { name: scopes.join(" "), scopes });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.key as string;
  };
  noneKey = await key(["org:read"]);
  const reads = new Set(RESOURCES.map((r) => r.def.permissions.read));
  readKey = await key(["org:read", ...API_KEY_SCOPES.filter((p) => reads.has(p))]);
}, 120_000);

const expectProblem = (res: { status: number; body: any; headers: Headers }, status: number) => {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
};

describe.each(RESOURCES.map((served) => [served.def.table, served.def] as const))(
  "resource %s (generated from its definition)",
  (_table, def) => {
    const has = (op: string) => def.operations.includes(op as (typeof def.operations)[number]);
    const rowOf = (org: Org) => org.ids[def.table]!;
    const filterValue = (f: Filter, row: Record<string, unknown>, name: string) => {
      const value = row[f.column ?? name];
      const usable = ["eq", "anyOf", "flag"].includes(f.kind);
      return usable && (typeof value === "string" || typeof value === "boolean") ? value : null;
    };

    it("serves its standard routes, each write audited once under its declared name", async () => {
      let id = rowOf(a);
      if (has("create")) {
        const created = await call("POST", `/${def.path}`, a.token, createBody(def, a));
        // A user-scoped table holds one row per user: the owner's second is a conflict.
        if (def.scope === "user") expectProblem(created, 409);
        else {
          expect(created.status, JSON.stringify(created.body)).toBe(201);
          id = created.body.id;
        }
      } else {
        expectProblem(await call("POST", `/${def.path}`, a.token, {}), 404);
      }
      const got = await call("GET", `/${def.path}/${id}`, a.token);
      expect(got.status).toBe(200);
      expect(Object.keys(got.body).sort()).toEqual(Object.keys(def.row.shape).sort());
      if (has("update")) {
        const patch = patchBody(def);
        const patched = await call("PATCH", `/${def.path}/${id}`, a.token, patch);
        expect(patched.status, JSON.stringify(patched.body)).toBe(200);
        expect(patched.body).toMatchObject(patch);
      }
      const names = [has("create") && def.audit.created, has("update") && def.audit.updated];
      if (has("delete")) {
        expect((await call("DELETE", `/${def.path}/${id}`, a.token)).status).toBe(204);
        expectProblem(await call("GET", `/${def.path}/${id}`, a.token), 404);
        if (has("update"))
          expectProblem(await call("PATCH", `/${def.path}/${id}`, a.token, patchBody(def)), 404);
        expectProblem(await call("DELETE", `/${def.path}/${id}`, a.token), 404);
        const list = await call("GET", `/${def.path}?limit=200`, a.token);
        expect(list.body.data.map((r: { id: string }) => r.id)).not.toContain(id);
        names.push(def.audit.deleted);
        // A user-scoped row was the owner's only one: make it again for the tests below.
        if (def.scope === "user") {
          const again = await call("POST", `/${def.path}`, a.token, createBody(def, a));
          expect(again.status, JSON.stringify(again.body)).toBe(201);
          a.ids[def.table] = again.body.id;
          a.rows[def.table] = [again.body.id];
        }
      }
      const events = await auditOf(id);
      expect(events.map((e) => e.entity_type)).toEqual(names.filter(Boolean).map(() => def.entity));
      expect(
        events.map((e) => {
          const action = (e.event_data as { action?: string }).action;
          return action ? { type: e.event_type, action } : e.event_type;
        }),
      ).toEqual(names.filter(Boolean));
    });

    it("answers 404 to another organisation's credentials for the row, and changes nothing", async () => {
      const id = rowOf(a);
      const before = await call("GET", `/${def.path}/${id}`, a.token);
      const attempts = [
        call("GET", `/${def.path}/${id}`, b.token),
        ...(has("update") ? [call("PATCH", `/${def.path}/${id}`, b.token, patchBody(def))] : []),
        ...(has("delete") ? [call("DELETE", `/${def.path}/${id}`, b.token)] : []),
      ];
      for (const res of await Promise.all(attempts)) {
        expectProblem(res, 404);
        expect(JSON.stringify(res.body)).not.toContain(id);
      }
      expect((await call("GET", `/${def.path}/${id}`, a.token)).body).toEqual(before.body);
    });

    it("never lists another organisation's rows, whatever the filter", async () => {
      const secrets = a.rows[def.table]!;
      const row = (await call("GET", `/${def.path}/${rowOf(a)}`, a.token)).body;
      const queries = [""];
      for (const [name, f] of Object.entries(def.filters as Record<string, Filter>)) {
        const value = filterValue(f, row, name);
        if (value !== null) queries.push(`${name}=${encodeURIComponent(value)}`);
      }
      for (const query of queries) {
        const res = await call("GET", `/${def.path}?limit=200&${query}`, b.token);
        expect(res.status, query).toBe(200);
        for (const secret of secrets) expect(JSON.stringify(res.body), query).not.toContain(secret);
        const own = await call("GET", `/${def.path}?limit=200&${query}`, a.token);
        expect(
          own.body.data.map((r: { id: string }) => r.id),
          `own, ${query}`,
        ).toContain(rowOf(a));
      }
    });

    it("refuses bad bodies, queries and ids with 400 problem+json and writes nothing", async () => {
      const before = await digest(def);
      const id = rowOf(a);
      const bodies: Array<[string, string, unknown]> = [];
      if (has("create")) {
        const valid = createBody(def, a);
        for (const [label, body] of badBodies(jsonSchemaOf(def.create), valid))
          bodies.push(["POST", `create: ${label}`, body]);
      }
      if (has("update")) {
        for (const [label, body] of badBodies(jsonSchemaOf(def.update), patchBody(def)))
          bodies.push(["PATCH", `patch: ${label}`, body]);
      }
      for (const [method, label, body] of bodies) {
        const path = method === "POST" ? `/${def.path}` : `/${def.path}/${id}`;
        const res = await call(method, path, a.token, body);
        expectProblem(res, 400);
        expect(res.body.code, label).toBe("invalid_request");
      }
      const queries = [
        "limit=0",
        "limit=201",
        "limit=ten",
        "sort=zz_not_a_column",
        "cursor=garbage",
      ];
      for (const [name, f] of Object.entries(def.filters as Record<string, Filter>)) {
        const bad = f.kind === "flag" ? "yes" : badQueryValue(jsonSchemaOf(f.schema));
        if (f.kind === "anyOf") queries.push(`${name}=definitely_not_a_valid_value`);
        else if (bad !== undefined) queries.push(`${name}=${encodeURIComponent(bad)}`);
      }
      // A cursor is only good for the sort it came from.
      const page = await call("GET", `/${def.path}?limit=1`, a.token);
      for (const key of Object.keys(def.sortKinds).filter((k) => k !== "created_at"))
        queries.push(`sort=${key}&cursor=${page.body.next_cursor}`);
      for (const query of queries) {
        const res = await call("GET", `/${def.path}?${query}`, a.token);
        expectProblem(res, 400);
        expect(res.body.errors?.[0]?.path, query).toMatch(/^query\./);
      }
      for (const badId of ["not-a-uuid", "1%27%20OR%201%3D1"]) {
        expectProblem(await call("GET", `/${def.path}/${badId}`, a.token), 400);
        if (has("update"))
          expectProblem(await call("PATCH", `/${def.path}/${badId}`, a.token, patchBody(def)), 400);
        if (has("delete"))
          expectProblem(await call("DELETE", `/${def.path}/${badId}`, a.token), 400);
      }
      expect(await digest(def)).toBe(before);
    }, 120_000);

    it("answers 403 to a credential without the permission, 401 to none, and writes nothing", async () => {
      const before = await digest(def);
      const id = rowOf(a);
      const reads: Array<[string, string]> = [
        ["GET", `/${def.path}`],
        ["GET", `/${def.path}/${id}`],
      ];
      const writes: Array<[string, string, unknown?]> = [];
      if (has("create")) writes.push(["POST", `/${def.path}`, createBody(def, a)]);
      if (has("update")) writes.push(["PATCH", `/${def.path}/${id}`, patchBody(def)]);
      if (has("delete")) writes.push(["DELETE", `/${def.path}/${id}`]);
      for (const [method, path, body] of [...reads, ...writes]) {
        const res = await call(method, path, noneKey, body);
        expectProblem(res, 403);
        expect(res.body.code).toBe("forbidden");
        expectProblem(await call(method, path, undefined, body), 401);
      }
      // Reading is not writing. A person's inbox is never an API key's, whatever its scopes.
      const keyMayRead = API_KEY_SCOPES.includes(def.permissions.read as Permission);
      for (const [method, path] of reads)
        expect((await call(method, path, readKey)).status).toBe(keyMayRead ? 200 : 403);
      for (const [method, path, body] of writes)
        expectProblem(await call(method, path, readKey, body), 403);
      expect(await digest(def)).toBe(before);
    });

    it("pages through every sort, both directions, without repeats or gaps", async () => {
      const all = (await call("GET", `/${def.path}?limit=200`, a.token)).body.data as Array<
        Record<string, unknown>
      >;
      for (const [key, kind] of Object.entries(def.sortKinds)) {
        for (const sort of [key, `-${key}`]) {
          const seen: Array<Record<string, unknown>> = [];
          let cursor: string | null = null;
          do {
            const qs: string = cursor ? `&cursor=${cursor}` : "";
            const res = await call("GET", `/${def.path}?limit=1&sort=${sort}${qs}`, a.token);
            expect(res.status, `${sort}: ${JSON.stringify(res.body)}`).toBe(200);
            seen.push(...res.body.data);
            cursor = res.body.next_cursor;
          } while (cursor && seen.length <= all.length);
          expect(seen.map((r) => r.id).sort(), sort).toEqual(all.map((r) => r.id).sort());
          const keys = seen.map((r) =>
            kind === "timestamp" ? Date.parse(String(r[key])) : r[key],
          );
          const ordered = [...keys].sort((x, y) =>
            typeof x === "number" && typeof y === "number"
              ? x - y
              : String(x).localeCompare(String(y), "en", { sensitivity: "variant" }),
          );
          if (sort.startsWith("-")) ordered.reverse();
          if (kind !== "text") expect(keys, sort).toEqual(ordered);
        }
      }
    });

    it.runIf(Object.keys(def.cascade).length > 0)(
      "soft-deletes its cascade children with it",
      async () => {
        const org = await makeOrg();
        const children = Object.keys(def.cascade).flatMap((table) => org.rows[table] ?? []);
        expect(children.length).toBeGreaterThan(0);
        // makeOrg made the children against the first row; delete that one.
        expect((await call("DELETE", `/${def.path}/${rowOf(org)}`, org.token)).status).toBe(204);
        const childDefs = RESOURCES.filter((r) => r.def.table in def.cascade);
        for (const { def: child } of childDefs) {
          for (const childId of org.rows[child.table] ?? [])
            expectProblem(await call("GET", `/${child.path}/${childId}`, org.token), 404);
        }
      },
      120_000,
    );
  },
);
