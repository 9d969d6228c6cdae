import { z } from "zod";
import { API_KEY_SCOPES } from "../../../shared/permissions.ts";
import { isoTimestamp } from "../../../shared/schemas/fields.ts";
import { ListQuery } from "../../../shared/schemas/list.ts";
import { BooleanQuery } from "../users/schema.ts";

export const ApiKeyCreateBody = z.strictObject({
  name: z.string().trim().min(1).max(255),
  description: z.string().max(2000).nullable().optional(),
  // A person's inbox (messages, notifications) is never an integration's.
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).max(API_KEY_SCOPES.length),
  expires_at: isoTimestamp.nullable().optional(),
  rate_limit_per_hour: z.number().int().min(1).max(100_000).default(1000),
});

export const ApiKeyListQuery = ListQuery.extend({ is_active: BooleanQuery.optional() });
