import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import { type NextFunction, type Request, type Response, Router } from "express";
import { verifyPassword } from "../auth/passwords.ts";
import { AuthError, authDeps, authenticate } from "../auth/principal.ts";
import { sha256 } from "../auth/tokens.ts";
import { isPlatformAdmin } from "../db/platform-admins.ts";
import { findLoginCandidate } from "../db/users.ts";
import { AppError, forbidden } from "../errors.ts";
import { loginGuard } from "../http/rate-limit.ts";
import type { Runtime } from "../runtime.ts";
import type { Queues } from "./queues.ts";

export const ADMIN_QUEUES_PATH = "/admin/queues";
const REALM = 'Basic realm="SiteSync queues", charset="UTF-8"';
/** Browsers resend Basic credentials with every request; argon2 runs once a minute per login. */
const BASIC_CACHE_MS = 60_000;

function challenge(): AppError {
  return new AppError(401, "unauthorized", "Platform administrator credentials required");
}

/**
 * Who may open the queue dashboard: platform administrators only (it shows every
 * organisation's jobs). A bearer access token, or HTTP Basic with email and password so a
 * browser can open the page (the browser prompts and resends them). Basic logins share
 * the login brute-force limits.
 */
function requirePlatformAdmin(runtime: Runtime) {
  const verified = new Map<string, { userId: string; until: number }>();

  async function userFromBasic(req: Request, encoded: string): Promise<string | null> {
    const key = sha256(encoded);
    const hit = verified.get(key);
    if (hit && hit.until > Date.now()) return hit.userId;
    const decoded = Buffer.from(encoded, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return null;
    const email = decoded.slice(0, colon).trim().toLowerCase();
    const password = decoded.slice(colon + 1);
    const guard = loginGuard(runtime);
    const ip = req.ip ?? "unknown";
    await guard.check(email, ip);
    const candidate = await findLoginCandidate(runtime.serviceDb, email);
    const ok = await verifyPassword(candidate?.password_hash ?? null, password);
    if (!candidate || !ok || !candidate.usable) {
      await guard.fail(email, ip);
      return null;
    }
    await guard.succeed(email);
    verified.set(key, { userId: candidate.id, until: Date.now() + BASIC_CACHE_MS });
    return candidate.id;
  }

  async function userOf(req: Request): Promise<string | null> {
    const header = req.headers.authorization ?? "";
    const basic = /^Basic\s+(\S+)$/i.exec(header);
    if (basic?.[1]) return userFromBasic(req, basic[1]);
    const bearer = /^Bearer\s+(\S+)$/i.exec(header);
    if (!bearer?.[1] || bearer[1].startsWith("ssk_")) return null; // API keys never qualify
    try {
      const principal = await authenticate(authDeps(runtime), bearer[1]);
      return principal.userId;
    } catch (err) {
      if (err instanceof AuthError) return null;
      throw err;
    }
  }

  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const userId = await userOf(req);
      if (!userId) {
        res.set("WWW-Authenticate", REALM);
        return next(challenge());
      }
      if (!(await isPlatformAdmin(runtime.serviceDb, userId))) return next(forbidden());
      next();
    } catch (err) {
      next(err);
    }
  };
}

/**
 * Bull Board at /admin/queues: every queue of the registry, its jobs by state, failed
 * jobs with their errors, retry and clean. Built on first use (it needs Redis).
 */
export function adminBoard(runtime: Runtime, queues: () => Promise<Queues>): Router {
  const router = Router();
  router.use(requirePlatformAdmin(runtime));
  let board: Promise<Router> | null = null;
  const build = async () => {
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(ADMIN_QUEUES_PATH);
    const q = await queues();
    createBullBoard({
      queues: [...q.queues.values()].map((queue) => new BullMQAdapter(queue)),
      serverAdapter,
      options: { uiConfig: { boardTitle: "SiteSync queues" } },
    });
    return serverAdapter.getRouter() as Router;
  };
  router.use(async (req, res, next) => {
    try {
      board ??= build();
      (await board)(req, res, next);
    } catch (err) {
      board = null;
      next(err);
    }
  });
  return router;
}
