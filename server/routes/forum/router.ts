import type { Request, Response } from "express";
import { Router } from "express";
import { z } from "zod";
import {
  ForumSearchQuery,
  ForumSearchResult,
  ModerationQueue,
  ThreadFlagsBody,
  ThreadStatusBody,
  ViewResult,
  VoteResult,
} from "../../../shared/forum.ts";
import { forumPosts } from "../../../shared/resources/forum-posts.ts";
import { forumThreads } from "../../../shared/resources/forum-threads.ts";
import { IdParams, queryInt } from "../../../shared/schemas/fields.ts";
import { auditContextOf } from "../../audit/record.ts";
import { tenantOf } from "../../auth/access.ts";
import {
  acceptAnswer,
  approveHeld,
  recordView,
  setThreadFlags,
  setThreadStatus,
  vote,
} from "../../commands/forum/actions.ts";
import { moderationQueue, searchForum, viewCount } from "../../db/forum.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { notFound } from "../../errors.ts";
import { searchHits } from "../../forum/search.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { ResourceContext } from "../../resources/rules.ts";
import type { Runtime } from "../../runtime.ts";

/** One view per user and thread per hour counts (Redis SET NX with a TTL). */
const VIEW_WINDOW_SECONDS = 3600;

/**
 * The forum's domain actions next to the definitions' routes (docs/forums.md): thread
 * status, flags, approval, votes and views on /forum-threads/:id/…, answers, approval and
 * votes on /forum-posts/:id/…, plus /forum-search and /forum-moderation-queue. Each runs in
 * one RLS transaction; 404 for what the caller cannot see, 403 for what they may not do.
 */
export function forumActionsRouter(runtime: Runtime): Router {
  const router = Router();
  // Mounted at /api/v1 itself, so authentication is per route, not router.use: requests for
  // other paths pass through untouched.
  const auth = requireAuth(runtime);

  function inTenant<T>(req: Request, res: Response, work: (ctx: ResourceContext) => Promise<T>) {
    const principal = principalOf(res);
    return withTenant(runtime.db, tenantOf(principal), (tx) =>
      work({ tx, principal, audit: auditContextOf(req, principal) }),
    );
  }
  const write = requirePermission("forum:write");
  const moderate = requirePermission("forum:moderate");
  const read = requirePermission("forum:read");

  // Threads
  router.post(
    "/forum-threads/:id/status",
    auth,
    write,
    handler(
      { params: IdParams, body: ThreadStatusBody, response: forumThreads.row, errors: [403, 409] },
      ({ params, body }, req, res) =>
        inTenant(req, res, (ctx) => setThreadStatus(ctx, params.id, body.status)),
    ),
  );
  router.post(
    "/forum-threads/:id/flags",
    auth,
    moderate,
    handler(
      { params: IdParams, body: ThreadFlagsBody, response: forumThreads.row, errors: [403] },
      ({ params, body }, req, res) =>
        inTenant(req, res, (ctx) => setThreadFlags(ctx, params.id, body)),
    ),
  );
  router.post(
    "/forum-threads/:id/approve",
    auth,
    moderate,
    handler(
      { params: IdParams, response: forumThreads.row, errors: [403] },
      ({ params }, req, res) => inTenant(req, res, (ctx) => approveHeld(ctx, "thread", params.id)),
    ),
  );
  router.post(
    "/forum-threads/:id/view",
    auth,
    read,
    handler({ params: IdParams, response: ViewResult }, async ({ params }, req, res) => {
      const principal = principalOf(res);
      const key = `${runtime.env.REDIS_KEY_PREFIX}:forum:view:${params.id}:${principal.userId}`;
      // Visibility first: a thread the caller cannot see is 404 and leaves no key behind.
      return inTenant(req, res, async (ctx) => {
        const current = await viewCount(ctx.tx, params.id);
        if (current === null) throw notFound("Forum thread");
        const fresh = await runtime.redis.set(key, "1", "EX", VIEW_WINDOW_SECONDS, "NX");
        if (fresh !== "OK") return { id: params.id, view_count: current, counted: false };
        return { id: params.id, view_count: await recordView(ctx, params.id), counted: true };
      });
    }),
  );
  for (const [path, target] of [
    ["/forum-threads/:id/vote", "thread"],
    ["/forum-posts/:id/vote", "post"],
  ] as const) {
    router.put(
      path,
      auth,
      write,
      handler({ params: IdParams, response: VoteResult, errors: [403] }, ({ params }, req, res) =>
        inTenant(req, res, (ctx) => vote(ctx, target, params.id, true)),
      ),
    );
    router.delete(
      path,
      auth,
      write,
      handler({ params: IdParams, response: VoteResult }, ({ params }, req, res) =>
        inTenant(req, res, (ctx) => vote(ctx, target, params.id, false)),
      ),
    );
  }

  // Posts
  router.post(
    "/forum-posts/:id/accept",
    auth,
    write,
    handler(
      { params: IdParams, response: forumPosts.row, errors: [403, 409] },
      ({ params }, req, res) => inTenant(req, res, (ctx) => acceptAnswer(ctx, params.id, true)),
    ),
  );
  router.delete(
    "/forum-posts/:id/accept",
    auth,
    write,
    handler(
      { params: IdParams, response: forumPosts.row, errors: [403, 409] },
      ({ params }, req, res) => inTenant(req, res, (ctx) => acceptAnswer(ctx, params.id, false)),
    ),
  );
  router.post(
    "/forum-posts/:id/approve",
    auth,
    moderate,
    handler({ params: IdParams, response: forumPosts.row, errors: [403] }, ({ params }, req, res) =>
      inTenant(req, res, (ctx) => approveHeld(ctx, "post", params.id)),
    ),
  );

  // Search and the moderators' queue
  router.get(
    "/forum-search",
    auth,
    read,
    handler({ query: ForumSearchQuery, response: ForumSearchResult }, ({ query }, req, res) =>
      inTenant(req, res, async ({ tx }) => ({
        data: searchHits(
          await searchForum(tx, {
            text: query.q,
            types: query.types ?? ["threads", "posts"],
            categoryId: query.category_id,
            limit: query.limit,
          }),
        ),
      })),
    ),
  );
  router.get(
    "/forum-moderation-queue",
    auth,
    moderate,
    handler(
      { query: z.strictObject({ limit: queryInt(1, 200).default(50) }), response: ModerationQueue },
      ({ query }, req, res) =>
        inTenant(req, res, async ({ tx }) => ({ data: await moderationQueue(tx, query.limit) })),
    ),
  );
  return router;
}
