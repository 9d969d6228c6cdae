import { type ZodType, z } from "zod";
import type { CatalogRoute } from "./route-catalog.ts";

type JsonSchema = Record<string, unknown>;

/**
 * OpenAPI 3.1 from the route catalogue: request schemas from the zod schemas that validate
 * requests, response schemas from the zod schemas handlers declare (the resource
 * definitions' rows for their routes), and the status codes each route really answers.
 * test/openapi.test.ts checks real responses of every route against this document.
 */

/** Schemas that become named components (rows: Site, WorkOrder, User...). */
export type NamedSchemas = ReadonlyArray<readonly [ZodType, string]>;

const ERRORS: Record<number, string> = {
  400: "Invalid request (body, query, path or its encoding): nothing was written",
  401: "Missing or invalid credentials",
  403: "Authenticated, but the role or API key scopes lack the permission",
  404: "Not found, or another organisation's",
  409: "Conflict: a unique value taken, or a state that does not allow this",
  413: "The body is larger than the limit",
  415: "The body's content encoding or charset is not supported",
  422: "Well-formed, but a business rule refuses it (e.g. a reference to a row you cannot see)",
  429: "Rate limited; see Retry-After",
  503: "A dependency (Postgres, Redis) is unavailable; nothing was written",
};

const problemResponse = (status: number, extra?: string) => ({
  description: extra ? `${ERRORS[status]}. ${extra}` : (ERRORS[status] ?? "Error"),
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

function converter(named: NamedSchemas) {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of named) registry.add(schema, { id });
  const components: Record<string, JsonSchema> = {};
  /** JSON Schema of `schema`; named subschemas go to components and are referenced. */
  return {
    components,
    convert(schema: ZodType, io: "input" | "output"): JsonSchema {
      const json = z.toJSONSchema(schema, {
        target: "draft-2020-12",
        io,
        unrepresentable: "any",
        metadata: registry,
      }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
      const { $schema: _ignored, $defs, ...rest } = json;
      const relink = (value: unknown): JsonSchema =>
        JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/'));
      for (const [id, def] of Object.entries($defs ?? {})) components[id] ??= relink(def);
      return relink(rest);
    },
  };
}

function parameters(route: CatalogRoute, toSchema: (s: ZodType) => JsonSchema): JsonSchema[] {
  const params: JsonSchema[] = [];
  for (const where of ["params", "query"] as const) {
    const schema = route.schemas[where];
    if (!schema) continue;
    const json = toSchema(schema) as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, prop] of Object.entries(json.properties ?? {})) {
      params.push({
        name,
        in: where === "params" ? "path" : "query",
        required: where === "params" ? true : (json.required ?? []).includes(name),
        schema: prop,
      });
    }
  }
  // Path parameters without a schema still have to be declared.
  for (const m of route.path.matchAll(/:(\w+)/g)) {
    if (!params.some((p) => p.name === m[1] && p.in === "path")) {
      params.push({ name: m[1], in: "path", required: true, schema: { type: "string" } });
    }
  }
  return params;
}

/** The statuses a route can answer besides its success. */
function errorStatuses(route: CatalogRoute): number[] {
  const out = new Set<number>([400, 429, 503]);
  if (route.requiresAuth) out.add(401);
  if (route.permission) out.add(403);
  if (route.path.includes(":")) out.add(404);
  if (route.schemas.body) {
    out.add(413);
    out.add(415);
  }
  for (const status of route.doc.errors ?? []) out.add(status);
  return [...out].sort();
}

function responses(route: CatalogRoute, toSchema: (s: ZodType) => JsonSchema): JsonSchema {
  const status = route.doc.status ?? 200;
  const success: JsonSchema = { description: "Success" };
  if (status !== 204) {
    success.content = {
      "application/json": { schema: route.doc.response ? toSchema(route.doc.response) : {} },
    };
  }
  const out: JsonSchema = { [String(status)]: success };
  for (const code of errorStatuses(route)) {
    out[String(code)] = problemResponse(
      code,
      code === 403 && route.permission ? `Requires ${route.permission}` : undefined,
    );
  }
  return out;
}

const operationId = (method: string, path: string) =>
  `${method}${path.replace(/[{}]/g, "").replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`;

export function buildOpenApi(
  routes: CatalogRoute[],
  named: NamedSchemas = [],
  version = "1.0.0",
): JsonSchema {
  const { components, convert } = converter(named);
  const input = (s: ZodType) => convert(s, "input");
  const output = (s: ZodType) => convert(s, "output");
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, "{$1}");
    const operation: JsonSchema = {
      operationId: operationId(route.method, path),
      tags: [path.split("/")[3] ?? "ops"],
      parameters: parameters(route, input),
      responses: responses(route, output),
      ...(route.requiresAuth ? { security: [{ bearer: [] }] } : { security: [] }),
      ...(route.permission ? { "x-permission": route.permission } : {}),
    };
    if (route.schemas.body) {
      operation.requestBody = {
        required: true,
        content: { "application/json": { schema: input(route.schemas.body) } },
      };
    }
    paths[path] ??= {};
    paths[path][route.method] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "SiteSync API",
      version,
      description:
        "Realtime backbone for elevator service companies. Errors are RFC 9457 problem+json.",
    },
    servers: [{ url: "/" }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "An access token (JWT) or an API key ssk_<prefix>_<secret>",
        },
      },
      schemas: {
        ...components,
        Problem: {
          type: "object",
          required: ["type", "title", "status", "detail", "code"],
          properties: {
            type: { type: "string" },
            title: { type: "string" },
            status: { type: "integer" },
            detail: { type: "string" },
            code: { type: "string" },
            errors: {
              type: "array",
              items: {
                type: "object",
                properties: { path: { type: "string" }, message: { type: "string" } },
              },
            },
            request_id: { type: "string" },
          },
        },
      },
    },
  };
}
