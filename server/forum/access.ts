import { principalCan } from "../auth/access.ts";
import type { Principal } from "../auth/principal.ts";
import { moderatedCategories } from "../db/forum.ts";
import type { Tx } from "../db/tenant-context.ts";
import { forbidden } from "../errors.ts";

/**
 * Who moderates what (docs/forums.md#moderation). The database decides whose categories
 * they are (app_is_forum_moderator: platform admins for platform categories, the owning
 * organisation's owners and admins for its own); the caller's role, or an API key's
 * scopes, must also grant forum:moderate.
 */
export function mayModerate(principal: Principal, moderatorInDatabase: boolean): boolean {
  return moderatorInDatabase && principalCan(principal, "forum:moderate");
}

export function requireModerator(principal: Principal, moderatorInDatabase: boolean): void {
  if (!mayModerate(principal, moderatorInDatabase)) {
    throw forbidden("Only the category's moderators may do this");
  }
}

type Authored = {
  author_id: string | null;
  is_anonymous: boolean | null;
  author_organization_id?: string | null;
};

/**
 * Blanks the author of anonymous rows for everyone but the author and the category's
 * moderators (the realtime stream leaves those fields out altogether).
 */
export async function hideAnonymousAuthors<R extends Authored>(
  tx: Tx,
  principal: Principal,
  rows: R[],
  /** The category of each row, in order. */
  categoriesOf: (rows: R[]) => Promise<string[]>,
): Promise<R[]> {
  const anonymous = rows.filter((r) => r.is_anonymous && r.author_id !== principal.userId);
  if (anonymous.length === 0) return rows;
  const categories = await categoriesOf(anonymous);
  const moderates = await moderatedCategories(tx, categories);
  const hidden = new Set(
    anonymous.filter((_, i) => !mayModerate(principal, moderates.get(categories[i]!) === true)),
  );
  return rows.map((r) => {
    if (!hidden.has(r)) return r;
    const masked = { ...r, author_id: null };
    if ("author_organization_id" in r) masked.author_organization_id = null;
    return masked;
  });
}
