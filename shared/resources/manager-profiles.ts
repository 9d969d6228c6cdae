import { z } from "zod";
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
  row: z.object({
    id: z.string(),
    user_id: z.string(),
    manager_type: z.string(),
    years_experience: z.number().nullable(),
    portfolio_size: z.number().nullable(),
    total_sqm_managed: z.string().nullable(),
    property_types: z.array(z.string()).nullable(),
    certifications: z.array(z.string()).nullable(),
    buildings_managed: z.number().nullable(),
    average_building_health_score: z.string().nullable(),
    availability_status: z.string().nullable(),
    preferred_property_types: z.array(z.string()).nullable(),
    preferred_locations: z.array(z.string()).nullable(),
    created_at: z.string().nullable(),
    updated_at: z.string().nullable(),
  }),
  writable: {
    manager_type: z.enum(MANAGER_TYPES),
    years_experience: z.number().int().min(0).max(80).nullish(),
    portfolio_size: z.number().int().min(0).nullish(),
    total_sqm_managed: z
      .string()
      .regex(/^\d{1,10}(\.\d{1,2})?$/, 'a decimal string like "1250.50"')
      .nullish(),
    property_types: tags.nullish(),
    certifications: tags.nullish(),
    availability_status: z.enum(AVAILABILITY_STATUSES).optional(),
    preferred_property_types: tags.nullish(),
    preferred_locations: tags.nullish(),
  },
});
export type ManagerProfileRow = z.infer<typeof managerProfiles.row>;
