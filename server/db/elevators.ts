import { sql } from "slonik";
import { ElevatorRow, type ElevatorStatus } from "../../shared/schemas/elevator.ts";
import type { ListQuery } from "../http/pagination.ts";
import {
  equalityFilters,
  findRow,
  insertRow,
  listRows,
  type ResourceTable,
  softDeleteRow,
  updateRow,
} from "./resource-table.ts";
import { assignmentsOf } from "./row-values.ts";
import type { Tx } from "./tenant-context.ts";

/** Elevators of the current organisation (RLS); soft-deleted ones are invisible here. */
const ELEVATORS: ResourceTable<typeof ElevatorRow> & { softDeletes: true } = {
  name: "elevators",
  alias: "e",
  row: ElevatorRow,
  kinds: {
    car_dimensions: "jsonb",
    specifications: "jsonb",
    metadata: "jsonb",
    known_quirks: "text[]",
    v2_document_ids: "int4[]",
  },
  softDeletes: true,
};

export type ElevatorFilters = {
  site_id?: string;
  status?: ElevatorStatus;
  manufacturer?: string;
  /** next_inspection_due between today and today + N days (database date, inclusive). */
  inspection_due_within_days?: number;
};

export async function listElevators(tx: Tx, filters: ElevatorFilters, page: ListQuery) {
  const days = filters.inspection_due_within_days;
  const conditions = equalityFilters("e", filters, ["site_id", "status", "manufacturer"]);
  if (days !== undefined) {
    conditions.push(
      sql.fragment`e.next_inspection_due BETWEEN current_date AND current_date + ${days}::int`,
    );
  }
  return listRows(tx, ELEVATORS, conditions, page);
}

export async function findElevator(
  tx: Tx,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<ElevatorRow | null> {
  return findRow(tx, ELEVATORS, id, options.forUpdate ? "update" : undefined);
}

export async function insertElevator(
  tx: Tx,
  organizationId: string,
  values: Record<string, unknown>,
): Promise<ElevatorRow> {
  return insertRow(tx, ELEVATORS, { ...values, organization_id: organizationId });
}

/** `statusChanged` stamps status_changed_at with the transaction's time. */
export async function updateElevator(
  tx: Tx,
  id: string,
  values: Record<string, unknown>,
  options: { statusChanged: boolean },
): Promise<ElevatorRow | null> {
  const all = options.statusChanged
    ? { ...values, status_changed_at: sql.fragment`now()` }
    : values;
  return updateRow(tx, ELEVATORS, id, assignmentsOf(all, ELEVATORS.kinds));
}

export async function softDeleteElevator(tx: Tx, id: string): Promise<{ id: string } | null> {
  return softDeleteRow(tx, ELEVATORS, id);
}
