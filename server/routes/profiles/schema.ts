import { z } from "zod";
import { ListQuery } from "../../http/pagination.ts";

const tags = z.array(z.string().trim().min(1).max(100)).max(50);
const AVAILABILITY = [
  "employed",
  "open_to_opportunities",
  "actively_looking",
  "not_available",
] as const;

export const TechnicianProfileBody = z.strictObject({
  headline: z.string().max(255).nullable().optional(),
  summary: z.string().max(10_000).nullable().optional(),
  years_experience: z.number().int().min(0).max(80).nullable().optional(),
  career_start_date: z.iso.date().nullable().optional(),
  primary_trade: z.string().max(100).nullable().optional(),
  specializations: tags.nullable().optional(),
  manufacturer_expertise: tags.nullable().optional(),
  equipment_types: tags.nullable().optional(),
  availability_status: z.enum(AVAILABILITY).optional(),
  preferred_job_types: tags.nullable().optional(),
  preferred_locations: tags.nullable().optional(),
  willing_to_relocate: z.boolean().optional(),
  profile_visibility: z
    .enum(["public", "employers_only", "connections_only", "private"])
    .optional(),
  show_current_employer: z.boolean().optional(),
  anonymous_contributions: z.boolean().optional(),
});

export const TechnicianProfileListQuery = ListQuery.extend({
  user_id: z.uuid().optional(),
  primary_trade: z.string().max(100).optional(),
  availability_status: z.enum(AVAILABILITY).optional(),
  career_level: z
    .enum(["apprentice", "rising_star", "trusted_expert", "master", "legend"])
    .optional(),
});

const MANAGER_TYPES = [
  "facility_manager",
  "building_manager",
  "strata_manager",
  "asset_manager",
  "property_manager",
  "operations_manager",
] as const;

const managerFields = {
  years_experience: z.number().int().min(0).max(80).nullable().optional(),
  portfolio_size: z.number().int().min(0).nullable().optional(),
  total_sqm_managed: z
    .string()
    .regex(/^\d{1,10}(\.\d{1,2})?$/, 'a decimal string like "1250.50"')
    .nullable()
    .optional(),
  property_types: tags.nullable().optional(),
  certifications: tags.nullable().optional(),
  availability_status: z.enum(AVAILABILITY).optional(),
  preferred_property_types: tags.nullable().optional(),
  preferred_locations: tags.nullable().optional(),
};

export const ManagerProfileCreateBody = z.strictObject({
  manager_type: z.enum(MANAGER_TYPES),
  ...managerFields,
});
export const ManagerProfilePatchBody = z.strictObject({
  manager_type: z.enum(MANAGER_TYPES).optional(),
  ...managerFields,
});

export const ManagerProfileListQuery = ListQuery.extend({
  user_id: z.uuid().optional(),
  manager_type: z.enum(MANAGER_TYPES).optional(),
  availability_status: z.enum(AVAILABILITY).optional(),
});
