import { timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Permission } from "../../shared/permissions.ts";
import { principalCan } from "../auth/access.ts";
import { AuthError, authDeps, authenticate, type Principal } from "../auth/principal.ts";
import { sha256 } from "../auth/tokens.ts";
import { AppError, forbidden, notFound, unauthorized } from "../errors.ts";
import type { Runtime } from "../runtime.ts";
import { consumeApiKeyRequest } from "./rate-limit.ts";

declare global {
  namespace Express {
    interface Locals {
      principal?: Principal;
    }
  }
}

export function bearerOf(req: Request): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1] ?? null;
}

/** Authenticates the bearer credential; every route behind it has res.locals.principal. */
export function requireAuth(runtime: Runtime): RequestHandler {
  const middleware = async (req: Request, res: Response, next: NextFunction) => {
    // Two routers mounted on one path (a definition's routes and its actions) both guard
    // it; the credential is checked, and an API key's hourly unit spent, once.
    if (res.locals.principal) return next();
    try {
      const bearer = bearerOf(req);
      if (!bearer) throw unauthorized();
      const principal = await authenticate(authDeps(runtime), bearer);
      // Every API-key request passes here, so every route gets the key's hourly limit.
      if (principal.kind === "api_key" && principal.apiKeyId) {
        const usage = await consumeApiKeyRequest(
          runtime,
          principal.apiKeyId,
          principal.rateLimitPerHour ?? 1000,
        );
        res.set({
          "X-RateLimit-Limit": String(usage.limit),
          "X-RateLimit-Remaining": String(usage.remaining),
          "X-RateLimit-Reset": String(usage.resetSeconds),
        });
      }
      res.locals.principal = principal;
      next();
    } catch (err) {
      if (err instanceof AuthError) {
        const message =
          err.reason === "token_expired"
            ? "The access token has expired"
            : err.reason === "session_revoked"
              ? "The session has ended"
              : "Missing or invalid credentials";
        next(new AppError(401, "unauthorized", message));
        return;
      }
      next(err);
    }
  };
  // Read by the route catalogue (OpenAPI security, generated tests).
  return Object.assign(middleware, { requiresAuth: true });
}

export function principalOf(res: Response): Principal {
  const p = res.locals.principal;
  if (!p) throw unauthorized();
  return p;
}

export function requirePermission(permission: Permission): RequestHandler {
  const middleware: RequestHandler = (_req, res, next) => {
    const principal = res.locals.principal;
    if (!principal) return next(unauthorized());
    if (!principalCan(principal, permission)) return next(forbidden());
    next();
  };
  return Object.assign(middleware, { permission });
}

/**
 * GET /metrics answers only to `Authorization: Bearer <METRICS_TOKEN>` (compared in
 * constant time), and does not exist when no token is configured.
 */
export function requireMetricsToken(token: string | undefined): RequestHandler {
  const expected = token ? Buffer.from(sha256(token), "hex") : null;
  return (req, _res, next) => {
    if (!expected) return next(notFound("Route"));
    const given = bearerOf(req);
    if (given && timingSafeEqual(Buffer.from(sha256(given), "hex"), expected)) return next();
    next(
      new AppError(401, "unauthorized", "Missing or invalid metrics token", {
        headers: { "WWW-Authenticate": 'Bearer realm="metrics"' },
      }),
    );
  };
}
