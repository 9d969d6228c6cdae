import { ORGANIZATION_FORUM_SCOPES } from "../../shared/forum.ts";
import { forumCategories } from "../../shared/resources/forum-categories.ts";
import {
  categoryCycle,
  categoryOwner,
  freeCategorySlug,
  isPlatformAdminHere,
} from "../db/forum.ts";
import { forbidden, unauthorized, unprocessable } from "../errors.ts";
import { requireModerator } from "../forum/access.ts";
import { slugOf } from "../forum/slug.ts";
import { serve } from "./rules.ts";

const ownedByOrganization = (scope: string) =>
  (ORGANIZATION_FORUM_SCOPES as readonly string[]).includes(scope);

/**
 * Forum categories' rules (docs/forums.md#categories): an organisation or portfolio category
 * belongs to the caller's organisation (organization_id, and an organisation category's
 * scope_value is that organisation's id); the other scopes are platform categories, which
 * only platform administrators create. 'organization' visibility needs an owning
 * organisation. A parent is a category of the same owner, never a descendant.
 */
export const forumCategoryRules = serve(forumCategories, {
  async beforeCreate({ tx, principal }, body) {
    let organizationId: string | null = null;
    if (ownedByOrganization(body.scope_type)) {
      if (!principal.organizationId) throw unauthorized("An organisation is required");
      organizationId = principal.organizationId;
    } else if (!(await isPlatformAdminHere(tx))) {
      throw forbidden("Only platform administrators create platform categories");
    }
    requireModerator(principal, true);
    if (body.visibility === "organization" && !organizationId) {
      throw unprocessable("visibility 'organization' needs an organisation or portfolio scope");
    }
    if (body.parent_id) {
      const parent = await categoryOwner(tx, body.parent_id);
      if (parent?.organization_id !== organizationId) {
        throw unprocessable("parent_id must be a category of the same owner");
      }
    }
    return {
      organization_id: organizationId,
      scope_value: body.scope_type === "organization" ? organizationId : body.scope_value,
      slug:
        body.slug ??
        (await freeCategorySlug(tx, organizationId, slugOf(body.name, 100, "category"))),
    };
  },
  async beforeUpdate({ tx }, { id, before, body }) {
    if (body.visibility === "organization" && !before.organization_id) {
      throw unprocessable("visibility 'organization' needs an organisation or portfolio scope");
    }
    if (before.scope_type === "organization" && body.scope_value !== undefined) {
      throw unprocessable("an organisation category's scope_value is its organisation");
    }
    if (body.parent_id) {
      const parent = await categoryOwner(tx, body.parent_id);
      if (parent?.organization_id !== before.organization_id) {
        throw unprocessable("parent_id must be a category of the same owner");
      }
      if (body.parent_id === id || (await categoryCycle(tx, id, body.parent_id))) {
        throw unprocessable("parent_id would make the category its own ancestor");
      }
    }
    return undefined;
  },
  auditCreated: (row) => ({ scope_type: row.scope_type, visibility: row.visibility }),
});
