import { z } from "zod";
import { httpUrl, jsonObject, timeZone } from "../../../shared/schemas/fields.ts";

/**
 * Free-form settings, except the keys the server reads: `timezone` is the organisation's
 * day for reminders (docs/workers.md, "Reminders"), so a name that is not a zone is
 * refused rather than quietly read as Australia/Sydney.
 */
const OrganizationSettings = jsonObject
  .refine((s) => s.timezone === undefined || timeZone.safeParse(s.timezone).success, {
    message: "must be an IANA time zone name such as Australia/Sydney or UTC",
    path: ["timezone"],
  })
  .meta({
    description:
      "Free-form JSON; `timezone`, when present, must be an IANA time zone name (reminders run at 07:00 in it; default Australia/Sydney)",
  });

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
  settings: OrganizationSettings.optional(),
});
