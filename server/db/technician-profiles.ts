import { sql } from "slonik";
import { z } from "zod";
import type { ListQuery } from "../http/pagination.ts";
import {
  equalityFilters,
  findRow,
  listRows,
  type ResourceTable,
  updateRow,
} from "./resource-table.ts";
import { type ColumnKinds, setClause } from "./row-values.ts";
import type { Tx } from "./tenant-context.ts";

export const TechnicianProfileRow = z.object({
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
});
export type TechnicianProfileRow = z.infer<typeof TechnicianProfileRow>;

const TECHNICIAN_PROFILES: ResourceTable<typeof TechnicianProfileRow> = {
  name: "technician_profiles",
  alias: "t",
  row: TechnicianProfileRow,
  kinds: {},
  softDeletes: false,
};

/** What the technician writes; metrics, badges, level and verification are computed by workers. */
export const TECHNICIAN_PROFILE_EDITABLE: ColumnKinds = {
  headline: "value",
  summary: "value",
  years_experience: "value",
  career_start_date: "value",
  primary_trade: "value",
  specializations: "text[]",
  manufacturer_expertise: "text[]",
  equipment_types: "text[]",
  availability_status: "value",
  preferred_job_types: "text[]",
  preferred_locations: "text[]",
  willing_to_relocate: "value",
  profile_visibility: "value",
  show_current_employer: "value",
  anonymous_contributions: "value",
};

export async function insertTechnicianProfile(
  tx: Tx,
  userId: string,
  fields: Record<string, unknown>,
): Promise<TechnicianProfileRow> {
  const inserted = await tx.one(sql.type(z.object({ id: z.string() }))`
    INSERT INTO technician_profiles (user_id) VALUES (${userId}) RETURNING id`);
  const row = await updateRow(
    tx,
    TECHNICIAN_PROFILES,
    inserted.id,
    setClause(fields, TECHNICIAN_PROFILE_EDITABLE),
  );
  if (!row) throw new Error("unreachable: the profile was inserted in this transaction");
  return row;
}

export type TechnicianProfileFilters = {
  user_id?: string;
  primary_trade?: string;
  availability_status?: string;
  career_level?: string;
};

/** RLS decides visibility: own, public, employers_only to organisations, colleagues. */
export async function listTechnicianProfiles(tx: Tx, query: TechnicianProfileFilters & ListQuery) {
  const filters = equalityFilters("t", query, [
    "user_id",
    "primary_trade",
    "availability_status",
    "career_level",
  ]);
  return listRows(tx, TECHNICIAN_PROFILES, filters, query);
}

export async function getTechnicianProfile(
  tx: Tx,
  id: string,
): Promise<TechnicianProfileRow | null> {
  return findRow(tx, TECHNICIAN_PROFILES, id);
}

/** RLS lets only the owner update; anyone else's id matches no row (→ 404). */
export async function updateTechnicianProfile(
  tx: Tx,
  id: string,
  patch: Record<string, unknown>,
): Promise<TechnicianProfileRow | null> {
  return updateRow(tx, TECHNICIAN_PROFILES, id, setClause(patch, TECHNICIAN_PROFILE_EDITABLE));
}
