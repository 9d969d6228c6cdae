import { z } from "zod";
import { jsonArray, timeZone } from "../schemas/fields.ts";
import { col } from "./columns.ts";
import { defineResource, filter, userActions } from "./define.ts";

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

/**
 * Sites (buildings). access_codes is deliberately absent: the seed says it is encrypted in
 * the application, and until that exists it is neither accepted nor returned.
 */
export const sites = defineResource({
  table: "sites",
  entity: "site",
  scope: "organization",
  permissions: { read: "sites:read", write: "sites:write" },
  // An elevator of a building that is gone should not keep showing up; work orders stay.
  softDelete: { cascade: { elevators: "site_id" } },
  audit: userActions("site"),
  filters: {
    site_type: filter.eq(z.enum(SITE_TYPES)),
    city: filter.eq(z.string().max(100)),
    state: filter.eq(z.string().max(100)),
    code: filter.eq(z.string().max(50)),
  },
  sort: { name: "text", updated_at: "timestamp" },
  columns: {
    id: col.id(),
    organization_id: col.id(),
    name: col.text(255).required(),
    code: col.text(50),
    site_type: col.enum(SITE_TYPES).hasDefault(),
    address_line1: col.text(255),
    address_line2: col.text(255),
    city: col.text(100),
    state: col.text(100),
    postal_code: col.text(20),
    country: col.text(100).hasDefault(),
    latitude: col.decimal(),
    longitude: col.decimal(),
    floors_count: col.int(0, 500),
    year_built: col.int(1800, 2200),
    total_area_sqm: col.decimal(),
    occupancy_count: col.int(),
    primary_contact_name: col.text(255),
    primary_contact_phone: col.text(50),
    primary_contact_email: col.email(),
    emergency_contact_name: col.text(255),
    emergency_contact_phone: col.text(50),
    access_instructions: col.string(10_000),
    after_hours_access: col.string(10_000),
    key_holder_info: col.json().write(jsonArray).hasDefault(),
    health_score: col.int().readOnly(),
    health_score_updated_at: col.timestamp().readOnly(),
    health_score_components: col.json().readOnly(),
    timezone: col.text(50).write(timeZone).hasDefault(),
    settings: col.json().hasDefault(),
    metadata: col.json().hasDefault(),
    created_at: col.timestamp().notNull().readOnly(),
    updated_at: col.timestamp().notNull().readOnly(),
    deleted_at: col.timestamp().readOnly(),
  },
});
export type SiteRow = z.infer<typeof sites.row>;
