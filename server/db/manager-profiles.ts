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
import { type ColumnKinds, columnsOf, setClause } from "./row-values.ts";
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

const MANAGER_PROFILES: ResourceTable<typeof ManagerProfileRow> = {
  name: "manager_profiles",
  alias: "m",
  row: ManagerProfileRow,
  kinds: {},
  softDeletes: false,
};

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
    UPDATE manager_profiles SET ${set} WHERE id = ${inserted.id} RETURNING ${columnsOf(ManagerProfileRow)}`);
}

export type ManagerProfileFilters = {
  user_id?: string;
  manager_type?: string;
  availability_status?: string;
};

/** RLS shows own and colleagues' profiles. */
export async function listManagerProfiles(tx: Tx, query: ManagerProfileFilters & ListQuery) {
  const filters = equalityFilters("m", query, ["user_id", "manager_type", "availability_status"]);
  return listRows(tx, MANAGER_PROFILES, filters, query);
}

export async function getManagerProfile(tx: Tx, id: string): Promise<ManagerProfileRow | null> {
  return findRow(tx, MANAGER_PROFILES, id);
}

export async function updateManagerProfile(
  tx: Tx,
  id: string,
  patch: Record<string, unknown>,
): Promise<ManagerProfileRow | null> {
  return updateRow(tx, MANAGER_PROFILES, id, setClause(patch, MANAGER_PROFILE_EDITABLE));
}
