import { z } from "zod";
import { isoDate } from "../schemas/fields.ts";
import { defineResource, filter } from "./define.ts";

export const AVAILABILITY_STATUSES = [
  "employed",
  "open_to_opportunities",
  "actively_looking",
  "not_available",
] as const;
const CAREER_LEVELS = ["apprentice", "rising_star", "trusted_expert", "master", "legend"] as const;

export const tags = z.array(z.string().trim().min(1).max(100)).max(50);

/**
 * A technician's platform-wide, portable profile: one per user, written only by that user
 * (a second POST is 409). RLS decides who sees it (profile_visibility; colleagues).
 * Metrics, badges, level and verification are computed by workers, never written here.
 */
export const technicianProfiles = defineResource({
  table: "technician_profiles",
  entity: "technician_profile",
  scope: "user",
  permissions: { read: "profiles:read", write: "profiles:write" },
  audit: {
    created: { type: "user_action", action: "technician_profile_created" },
    updated: { type: "user_updated", action: "technician_profile_updated" },
  },
  filters: {
    user_id: filter.eq(z.uuid()),
    primary_trade: filter.eq(z.string().max(100)),
    availability_status: filter.eq(z.enum(AVAILABILITY_STATUSES)),
    career_level: filter.eq(z.enum(CAREER_LEVELS)),
  },
  row: z.object({
    id: z.string(),
    user_id: z.string(),
    headline: z.string().nullable(),
    summary: z.string().nullable(),
    years_experience: z.number().nullable(),
    career_start_date: z.string().nullable(),
    primary_trade: z.string().nullable(),
    specializations: z.array(z.string()).nullable(),
    manufacturer_expertise: z.array(z.string()).nullable(),
    equipment_types: z.array(z.string()).nullable(),
    expertise_score: z.number().nullable(),
    expertise_percentile: z.number().nullable(),
    total_jobs_completed: z.number().nullable(),
    first_time_fix_rate: z.string().nullable(),
    average_resolution_time_minutes: z.number().nullable(),
    buildings_served: z.number().nullable(),
    contributions_count: z.number().nullable(),
    technicians_helped: z.number().nullable(),
    estimated_hours_saved: z.string().nullable(),
    badges: z.unknown(),
    career_level: z.string().nullable(),
    availability_status: z.string().nullable(),
    preferred_job_types: z.array(z.string()).nullable(),
    preferred_locations: z.array(z.string()).nullable(),
    willing_to_relocate: z.boolean().nullable(),
    profile_visibility: z.string().nullable(),
    show_current_employer: z.boolean().nullable(),
    anonymous_contributions: z.boolean().nullable(),
    is_verified: z.boolean().nullable(),
    verification_level: z.string().nullable(),
    created_at: z.string().nullable(),
    updated_at: z.string().nullable(),
  }),
  writable: {
    headline: z.string().max(255).nullish(),
    summary: z.string().max(10_000).nullish(),
    years_experience: z.number().int().min(0).max(80).nullish(),
    career_start_date: isoDate.nullish(),
    primary_trade: z.string().max(100).nullish(),
    specializations: tags.nullish(),
    manufacturer_expertise: tags.nullish(),
    equipment_types: tags.nullish(),
    availability_status: z.enum(AVAILABILITY_STATUSES).optional(),
    preferred_job_types: tags.nullish(),
    preferred_locations: tags.nullish(),
    willing_to_relocate: z.boolean().optional(),
    profile_visibility: z
      .enum(["public", "employers_only", "connections_only", "private"])
      .optional(),
    show_current_employer: z.boolean().optional(),
    anonymous_contributions: z.boolean().optional(),
  },
});
export type TechnicianProfileRow = z.infer<typeof technicianProfiles.row>;
