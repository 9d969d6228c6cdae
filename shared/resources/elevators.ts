import { z } from "zod";
import { col } from "./columns.ts";
import { defineResource, filter } from "./define.ts";

export const ELEVATOR_STATUSES = [
  "operational",
  "degraded",
  "out_of_service",
  "maintenance",
  "decommissioned",
] as const;
export type ElevatorStatus = (typeof ELEVATOR_STATUSES)[number];

/**
 * Elevators (assets). Dates are 'YYYY-MM-DD', decimals strings. An elevator does not move
 * between sites (site_id is set at creation only); health scores and status_changed_at
 * are maintained by the server. A status change is its own audit event
 * (server/resources/elevators.ts). A duplicate unit_number at a site is a 409.
 */
export const elevators = defineResource({
  table: "elevators",
  entity: "elevator",
  realtime: "elevator",
  scope: "organization",
  permissions: { read: "elevators:read", write: "elevators:write" },
  softDelete: true,
  references: { site_id: "sites" },
  audit: {
    created: "elevator_created",
    updated: "elevator_updated",
    deleted: { type: "elevator_updated", action: "elevator_deleted" },
  },
  filters: {
    site_id: filter.eq(z.uuid()),
    status: filter.eq(z.enum(ELEVATOR_STATUSES)),
    manufacturer: filter.eq(z.string().max(100)),
    inspection_due_within_days: filter.withinDays("next_inspection_due"),
  },
  sort: { unit_number: "text", updated_at: "timestamp" },
  columns: {
    id: col.id(),
    organization_id: col.id(),
    site_id: col.uuid().required().createOnly(),
    unit_number: col.text(50).required(),
    serial_number: col.text(100),
    registration_number: col.text(100),
    asset_tag: col.text(100),
    manufacturer: col.text(100),
    model: col.text(100),
    controller_type: col.text(100),
    drive_type: col.text(100),
    machine_type: col.text(100),
    capacity_kg: col.int(0, 1_000_000),
    capacity_persons: col.int(0, 1_000_000),
    speed_mps: col.decimal(),
    floors_served: col.int(0, 1_000_000),
    stops: col.int(0, 1_000_000),
    travel_height_m: col.decimal(),
    door_type: col.text(50),
    door_width_mm: col.int(0, 1_000_000),
    car_dimensions: col.json(),
    installation_date: col.date(),
    modernization_date: col.date(),
    last_major_service: col.date(),
    status: col.enum(ELEVATOR_STATUSES).hasDefault(),
    status_changed_at: col.timestamp().readOnly(),
    status_reason: col.string(2000),
    last_inspection_date: col.date(),
    last_inspection_result: col.text(50),
    next_inspection_due: col.date(),
    inspection_certificate_number: col.text(100),
    health_score: col.int().readOnly(),
    health_score_updated_at: col.timestamp().readOnly(),
    v2_document_ids: col.intArray(1000),
    known_quirks: col.textArray(200, 1000),
    specifications: col.json().hasDefault(),
    metadata: col.json().hasDefault(),
    created_at: col.timestamp().notNull().readOnly(),
    updated_at: col.timestamp().notNull().readOnly(),
    deleted_at: col.timestamp().readOnly(),
  },
});
export type ElevatorRow = z.infer<typeof elevators.row>;
