import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { ZodType, z } from "zod";
import { type FieldIssue, invalidRequest } from "../errors.ts";

type Schemas = { params?: ZodType; query?: ZodType; body?: ZodType };
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
 * is rejected before anything is written.
 */
export function handler<S extends Schemas>(
  schemas: S,
  fn: (input: Input<S>, req: Request, res: Response) => Promise<unknown>,
): RequestHandler & { schemas: S } {
  const route = async (req: Request, res: Response, next: NextFunction) => {
    try {
      const issues: FieldIssue[] = [];
      const parsed: Record<string, unknown> = {};
      for (const where of ["params", "query", "body"] as const) {
        const schema = schemas[where];
        if (!schema) continue;
        const raw = where === "body" ? (req.body ?? {}) : req[where];
        const result = schema.safeParse(raw);
        if (result.success) parsed[where] = result.data;
        else issues.push(...issuesOf(where, result.error));
      }
      if (issues.length > 0) {
        throw invalidRequest(issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues);
      }
      await fn(parsed as Input<S>, req, res);
    } catch (err) {
      next(err);
    }
  };
  // The schemas travel with the handler so the route catalogue can build OpenAPI from them.
  return Object.assign(route, { schemas });
}
