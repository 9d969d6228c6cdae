import { type ZodType, z } from "zod";
import type { CatalogRoute } from "./route-catalog.ts";

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: ZodType): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
  }) as JsonSchema;
  return rest;
};

const problem = { $ref: "#/components/schemas/Problem" };
const problemResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: problem } },
});

function parameters(route: CatalogRoute): JsonSchema[] {
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

/** OpenAPI 3.1 from the same zod schemas that validate requests. */
export function buildOpenApi(routes: CatalogRoute[], version = "1.0.0"): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, "{$1}");
    const success = route.method === "post" ? "201" : route.method === "delete" ? "204" : "200";
    const operation: JsonSchema = {
      operationId: `${route.method}${path.replace(/[{}]/g, "").replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
      tags: [path.split("/")[3] ?? "ops"],
      parameters: parameters(route),
      responses: {
        [success]: {
          description: "Success",
          ...(success === "204"
            ? {}
            : { content: { "application/json": { schema: { type: "object" } } } }),
        },
        "400": problemResponse("Invalid request: nothing was written"),
        ...(route.requiresAuth ? { "401": problemResponse("Missing or invalid credentials") } : {}),
        ...(route.permission
          ? { "403": problemResponse(`Requires permission ${route.permission}`) }
          : {}),
        ...(route.path.includes(":")
          ? { "404": problemResponse("Not found, or another organisation's") }
          : {}),
        "429": problemResponse("Rate limited; see Retry-After"),
      },
      ...(route.requiresAuth ? { security: [{ bearer: [] }] } : { security: [] }),
      ...(route.permission ? { "x-permission": route.permission } : {}),
    };
    if (route.schemas.body) {
      operation.requestBody = {
        required: true,
        content: { "application/json": { schema: toSchema(route.schemas.body) } },
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
