import { z } from "zod";
import { col } from "./columns.ts";
import { defineResource, filter } from "./define.ts";
import { AVAILABILITY_STATUSES, tags } from "./technician-profiles.ts";

const MANAGER_TYPES = [
  "facility_manager",
  "building_manager",
  "strata_manager",
  "asset_manager",
  "property_manager",
  "operations_manager",
] as const;

/**
 * A manager's profile: one per user, written only by that user; visible to the user and
 * their colleagues (RLS). buildings_managed and the health average are computed.
 */
export const managerProfiles = defineResource({
  table: "manager_profiles",
  entity: "manager_profile",
  scope: "user",
  permissions: { read: "profiles:read", write: "profiles:write" },
  audit: {
    created: { type: "user_action", action: "manager_profile_created" },
    updated: { type: "user_updated", action: "manager_profile_updated" },
  },
  filters: {
    user_id: filter.eq(z.uuid()),
    manager_type: filter.eq(z.enum(MANAGER_TYPES)),
    availability_status: filter.eq(z.enum(AVAILABILITY_STATUSES)),
  },
  columns: {
    id: col.id(),
    user_id: col.id(),
    manager_type: col.enum(MANAGER_TYPES).required(),
    years_experience: col.int(0, 80),
    portfolio_size: col.int(),
    total_sqm_managed: col
      .decimal()
      .write(z.string().regex(/^\d{1,10}(\.\d{1,2})?$/, 'a decimal string like "1250.50"')),
    property_types: col.textArray().write(tags),
    certifications: col.textArray().write(tags),
    buildings_managed: col.int().readOnly(),
    average_building_health_score: col.decimal().readOnly(),
    availability_status: col.enum(AVAILABILITY_STATUSES).hasDefault(),
    preferred_property_types: col.textArray().write(tags),
    preferred_locations: col.textArray().write(tags),
    created_at: col.timestamp().readOnly(),
    updated_at: col.timestamp().readOnly(),
  },
});
export type ManagerProfileRow = z.infer<typeof managerProfiles.row>;
