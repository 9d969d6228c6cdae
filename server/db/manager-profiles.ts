import { type FragmentSqlToken, sql } from "slonik";
import { z } from "zod";
import { type Cursor, keysetAfter, keysetOrder } from "../http/pagination.ts";
import { type ColumnKinds, setClause } from "./row-values.ts";
import type { Tx } from "./tenant-context.ts";

export const ManagerProfileRow = z.object({
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
});
export type ManagerProfileRow = z.infer<typeof ManagerProfileRow>;

const columns = sql.fragment`
  id, user_id, manager_type, years_experience, portfolio_size, total_sqm_managed,
  property_types, certifications, buildings_managed, average_building_health_score,
  availability_status, preferred_property_types, preferred_locations, created_at, updated_at`;

/** What the manager writes; buildings_managed and the health average are computed. */
export const MANAGER_PROFILE_EDITABLE: ColumnKinds = {
  manager_type: "value",
  years_experience: "value",
  portfolio_size: "value",
  total_sqm_managed: "value",
  property_types: "text[]",
  certifications: "text[]",
  availability_status: "value",
  preferred_property_types: "text[]",
  preferred_locations: "text[]",
};

export async function insertManagerProfile(
  tx: Tx,
  userId: string,
  fields: Record<string, unknown> & { manager_type: string },
): Promise<ManagerProfileRow> {
  const inserted = await tx.one(sql.type(z.object({ id: z.string() }))`
    INSERT INTO manager_profiles (user_id, manager_type)
    VALUES (${userId}, ${fields.manager_type}) RETURNING id`);
  const set = setClause(fields, MANAGER_PROFILE_EDITABLE);
  if (!set) throw new Error("unreachable: manager_type is always set");
  return tx.one(sql.type(ManagerProfileRow)`
    UPDATE manager_profiles SET ${set} WHERE id = ${inserted.id} RETURNING ${columns}`);
}

export type ManagerProfileFilters = {
  user_id?: string;
  manager_type?: string;
  availability_status?: string;
};

/** RLS shows own and colleagues' profiles. */
export async function listManagerProfiles(
  tx: Tx,
  filters: ManagerProfileFilters,
  page: { after: Cursor | null; limit: number },
): Promise<readonly ManagerProfileRow[]> {
  const conditions: FragmentSqlToken[] = [keysetAfter(page.after)];
  for (const column of ["user_id", "manager_type", "availability_status"] as const) {
    const value = filters[column];
    if (value !== undefined) conditions.push(sql.fragment`${sql.identifier([column])} = ${value}`);
  }
  return tx.any(sql.type(ManagerProfileRow)`
    SELECT ${columns} FROM manager_profiles
     WHERE ${sql.join(conditions, sql.fragment` AND `)}
     ORDER BY ${keysetOrder()}
     LIMIT ${page.limit + 1}`);
}

export async function getManagerProfile(tx: Tx, id: string): Promise<ManagerProfileRow | null> {
  return tx.maybeOne(
    sql.type(ManagerProfileRow)`SELECT ${columns} FROM manager_profiles WHERE id = ${id}`,
  );
}

export async function updateManagerProfile(
  tx: Tx,
  id: string,
  patch: Record<string, unknown>,
): Promise<ManagerProfileRow | null> {
  const set = setClause(patch, MANAGER_PROFILE_EDITABLE);
  if (!set) return getManagerProfile(tx, id);
  return tx.maybeOne(sql.type(ManagerProfileRow)`
    UPDATE manager_profiles SET ${set} WHERE id = ${id} RETURNING ${columns}`);
}
