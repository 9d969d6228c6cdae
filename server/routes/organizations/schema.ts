import { z } from "zod";
import { httpUrl, jsonObject } from "../../../shared/schemas/fields.ts";

export const OrganizationPatchBody = z.strictObject({
  name: z.string().trim().min(1).max(255).optional(),
  slug: z
    .string()
    .min(2)
    .max(100)
    .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "lowercase letters, digits and dashes")
    .optional(),
  logo_url: httpUrl.nullable().optional(),
  contact_email: z.email().max(255).nullable().optional(),
  contact_phone: z.string().max(50).nullable().optional(),
  website_url: httpUrl.nullable().optional(),
  address_line1: z.string().max(255).nullable().optional(),
  address_line2: z.string().max(255).nullable().optional(),
  city: z.string().max(100).nullable().optional(),
  state: z.string().max(100).nullable().optional(),
  postal_code: z.string().max(20).nullable().optional(),
  country: z.string().max(100).nullable().optional(),
  abn: z.string().max(20).nullable().optional(),
  acn: z.string().max(20).nullable().optional(),
  settings: jsonObject.optional(),
});
