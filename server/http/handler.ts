import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { ZodType, z } from "zod";
import { type FieldIssue, invalidRequest } from "../errors.ts";

type Schemas = { params?: ZodType; query?: ZodType; body?: ZodType };

/**
 * What a route answers, for the OpenAPI document (server/http/openapi.ts): the success
 * status and body schema, and the error statuses its rules can produce beyond the ones
 * every route has (400, 401/403 when guarded, 404 with an id, 413/415 with a body, 429, 503).
 */
export type ResponseDoc = {
  /** 200 unless given; 204 means no body. */
  status?: 200 | 201 | 202 | 204;
  /** The success body; required unless status is 204. */
  response?: ZodType;
  errors?: readonly (401 | 403 | 404 | 409 | 422)[];
};

type Infer<S, K extends keyof Schemas> =
  S extends Record<K, infer T extends ZodType> ? z.output<T> : undefined;
export type Input<S extends Schemas> = {
  params: Infer<S, "params">;
  query: Infer<S, "query">;
  body: Infer<S, "body">;
};

export function issuesOf(where: string, error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({
    path: [where, ...i.path.map(String)].join("."),
    message: i.message,
  }));
}

/**
 * Validates params, query and body with zod before the handler runs, and hands the
 * parsed values over typed. Handlers never see unvalidated input, and a bad request
 * is rejected before anything is written. What the handler returns is sent with the
 * declared status (a handler may also answer through `res` itself).
 */
export function handler<S extends Schemas>(
  spec: S & ResponseDoc,
  fn: (input: Input<S>, req: Request, res: Response) => Promise<unknown>,
): RequestHandler & { schemas: S; doc: ResponseDoc } {
  const route = async (req: Request, res: Response, next: NextFunction) => {
    try {
      const issues: FieldIssue[] = [];
      const parsed: Record<string, unknown> = {};
      for (const where of ["params", "query", "body"] as const) {
        const schema = spec[where];
        if (!schema) continue;
        const raw = where === "body" ? (req.body ?? {}) : req[where];
        const result = schema.safeParse(raw);
        if (result.success) parsed[where] = result.data;
        else issues.push(...issuesOf(where, result.error));
      }
      if (issues.length > 0) {
        throw invalidRequest(issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues);
      }
      const result = await fn(parsed as Input<S>, req, res);
      if (res.headersSent) return;
      const status = spec.status ?? 200;
      if (status === 204) res.status(204).end();
      else res.status(status).json(result);
    } catch (err) {
      next(err);
    }
  };
  // Schemas and responses travel with the handler: the route catalogue builds OpenAPI from them.
  const { status, response, errors, ...schemas } = spec;
  return Object.assign(route, { schemas: schemas as S, doc: { status, response, errors } });
}
