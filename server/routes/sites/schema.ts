import { z } from "zod";
import { decimal, jsonObject, text } from "../../../shared/schemas/fields.ts";
import { ListQuery } from "../../http/pagination.ts";

export const SITE_TYPES = [
  "commercial",
  "residential",
  "mixed",
  "industrial",
  "healthcare",
  "education",
  "retail",
  "hospitality",
  "government",
] as const;

const opt = <T extends z.ZodType>(t: T) => t.nullable().optional();

const siteFields = {
  code: opt(text(50)),
  site_type: z.enum(SITE_TYPES).optional(),
  address_line1: opt(text(255)),
  address_line2: opt(text(255)),
  city: opt(text(100)),
  state: opt(text(100)),
  postal_code: opt(text(20)),
  country: text(100).optional(),
  latitude: opt(decimal),
  longitude: opt(decimal),
  floors_count: opt(z.number().int().min(0).max(500)),
  year_built: opt(z.number().int().min(1800).max(2200)),
  total_area_sqm: opt(decimal),
  occupancy_count: opt(z.number().int().min(0)),
  primary_contact_name: opt(text(255)),
  primary_contact_phone: opt(text(50)),
  primary_contact_email: opt(z.email().max(255)),
  emergency_contact_name: opt(text(255)),
  emergency_contact_phone: opt(text(50)),
  access_instructions: opt(z.string().max(10_000)),
  after_hours_access: opt(z.string().max(10_000)),
  key_holder_info: z.array(z.unknown()).optional(),
  timezone: text(50).optional(),
  settings: jsonObject.optional(),
  metadata: jsonObject.optional(),
};

/** Health scores are computed elsewhere, so they are not writable here. */
export const CreateSiteBody = z.strictObject({ name: text(255), ...siteFields });
export const UpdateSiteBody = z.strictObject({ name: text(255).optional(), ...siteFields });

export const ListSitesQuery = ListQuery.extend({
  site_type: z.enum(SITE_TYPES).optional(),
  city: z.string().max(100).optional(),
  state: z.string().max(100).optional(),
  code: z.string().max(50).optional(),
});
