import { z } from "zod";
import { col } from "./columns.ts";
import { defineResource, filter } from "./define.ts";

export const AVAILABILITY_STATUSES = [
  "employed",
  "open_to_opportunities",
  "actively_looking",
  "not_available",
] as const;
const VISIBILITIES = ["public", "employers_only", "connections_only", "private"] as const;
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
  columns: {
    id: col.id(),
    user_id: col.id(),
    headline: col.string(255),
    summary: col.string(10_000),
    years_experience: col.int(0, 80),
    career_start_date: col.date(),
    primary_trade: col.string(100),
    specializations: col.textArray().write(tags),
    manufacturer_expertise: col.textArray().write(tags),
    equipment_types: col.textArray().write(tags),
    expertise_score: col.int().readOnly(),
    expertise_percentile: col.int().readOnly(),
    total_jobs_completed: col.int().readOnly(),
    first_time_fix_rate: col.decimal().readOnly(),
    average_resolution_time_minutes: col.int().readOnly(),
    buildings_served: col.int().readOnly(),
    contributions_count: col.int().readOnly(),
    technicians_helped: col.int().readOnly(),
    estimated_hours_saved: col.decimal().readOnly(),
    badges: col.json().readOnly(),
    career_level: col.enum(CAREER_LEVELS).readOnly(),
    availability_status: col.enum(AVAILABILITY_STATUSES).hasDefault(),
    preferred_job_types: col.textArray().write(tags),
    preferred_locations: col.textArray().write(tags),
    willing_to_relocate: col.bool().hasDefault(),
    profile_visibility: col.enum(VISIBILITIES).hasDefault(),
    show_current_employer: col.bool().hasDefault(),
    anonymous_contributions: col.bool().hasDefault(),
    is_verified: col.bool().readOnly(),
    verification_level: col.string(50).readOnly(),
    created_at: col.timestamp().readOnly(),
    updated_at: col.timestamp().readOnly(),
  },
});
export type TechnicianProfileRow = z.infer<typeof technicianProfiles.row>;
