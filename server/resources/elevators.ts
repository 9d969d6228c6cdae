import { elevators } from "../../shared/resources/elevators.ts";
import { NOW } from "../db/row-values.ts";
import { serve } from "./rules.ts";

/**
 * A PATCH that changes the status stamps status_changed_at and is recorded as
 * elevator_status_changed. A new status without a reason clears the old reason rather than
 * keeping a stale one.
 */
export const elevatorRules = serve(elevators, {
  async beforeUpdate(_ctx, { before, body }) {
    if (body.status === undefined || body.status === before.status) return undefined;
    return { status_reason: body.status_reason ?? null, status_changed_at: NOW };
  },
  auditUpdated: ({ before, after }) =>
    before.status === after.status
      ? undefined
      : {
          type: "elevator_status_changed",
          data: { from: before.status, to: after.status, reason: after.status_reason },
        },
});
