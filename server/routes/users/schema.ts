import { z } from "zod";
import { STAFF_ROLES } from "../../../shared/permissions.ts";
import { httpUrl, jsonObject, timeZone } from "../../../shared/schemas/fields.ts";
import { ListQuery } from "../../../shared/schemas/list.ts";
import { UserRow } from "../../db/users.ts";
import { Email } from "../auth/schema.ts";

export const BooleanQuery = z.enum(["true", "false"]).transform((v) => v === "true");

export const UserListQuery = ListQuery.extend({
  role: z.enum(STAFF_ROLES).optional(),
  is_active: BooleanQuery.optional(),
  q: z.string().trim().min(1).max(100).optional(),
});

export const IdParams = z.object({ id: z.uuid() });

/** Profile fields anyone edits on themselves; `role` needs users:manage. */
export const UserPatchBody = z.strictObject({
  first_name: z.string().trim().max(100).nullable().optional(),
  last_name: z.string().trim().max(100).nullable().optional(),
  display_name: z.string().trim().max(255).nullable().optional(),
  phone: z.string().trim().max(50).nullable().optional(),
  avatar_url: httpUrl.nullable().optional(),
  bio: z.string().max(5000).nullable().optional(),
  city: z.string().max(100).nullable().optional(),
  state: z.string().max(100).nullable().optional(),
  country: z.string().max(100).nullable().optional(),
  timezone: timeZone.nullable().optional(),
  notification_preferences: jsonObject.optional(),
  privacy_settings: jsonObject.optional(),
  preferences: jsonObject.optional(),
  role: z.enum(STAFF_ROLES).optional(),
});

export const InviteBody = z.strictObject({
  email: Email,
  role: z.enum(STAFF_ROLES),
  first_name: z.string().trim().max(100).optional(),
  last_name: z.string().trim().max(100).optional(),
});

/** POST /users/invite and /users/:id/resend-invite. */
export const InvitedResponse = z.object({ user: UserRow, invite_expires_at: z.string() });
