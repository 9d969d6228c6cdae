import { z } from "zod";

/**
 * A site (building) as the API returns it: the seed's columns, snake_case. numeric columns
 * are exact decimal strings. access_codes is deliberately absent: the seed says it is
 * encrypted in the application, and until that exists it is neither accepted nor returned.
 */
export const SiteRow = z.object({
  id: z.string(),
  organization_id: z.string(),
  name: z.string(),
  code: z.string().nullable(),
  site_type: z.string().nullable(),
  address_line1: z.string().nullable(),
  address_line2: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  postal_code: z.string().nullable(),
  country: z.string().nullable(),
  latitude: z.string().nullable(),
  longitude: z.string().nullable(),
  floors_count: z.number().nullable(),
  year_built: z.number().nullable(),
  total_area_sqm: z.string().nullable(),
  occupancy_count: z.number().nullable(),
  primary_contact_name: z.string().nullable(),
  primary_contact_phone: z.string().nullable(),
  primary_contact_email: z.string().nullable(),
  emergency_contact_name: z.string().nullable(),
  emergency_contact_phone: z.string().nullable(),
  access_instructions: z.string().nullable(),
  after_hours_access: z.string().nullable(),
  key_holder_info: z.unknown(),
  health_score: z.number().nullable(),
  health_score_updated_at: z.string().nullable(),
  health_score_components: z.unknown(),
  timezone: z.string().nullable(),
  settings: z.unknown(),
  metadata: z.unknown(),
  created_at: z.string(),
  updated_at: z.string(),
  deleted_at: z.string().nullable(),
});
export type SiteRow = z.infer<typeof SiteRow>;
