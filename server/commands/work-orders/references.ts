import { userInCurrentOrg } from "../../db/contractors.ts";
import { findElevator } from "../../db/elevators.ts";
import { findSite } from "../../db/sites.ts";
import type { Tx } from "../../db/tenant-context.ts";
import { findWorkOrder, wouldCreateCycle } from "../../db/work-orders.ts";
import { unprocessable } from "../../errors.ts";

/**
 * Foreign keys are checked by Postgres without row-level security, so an id of another
 * organisation's row would satisfy them. Every reference a client sends is therefore
 * looked up under RLS first; what the caller cannot see does not exist (422).
 */
export async function checkSiteAndElevator(
  tx: Tx,
  siteId: string,
  elevatorId: string,
): Promise<void> {
  const site = await findSite(tx, siteId);
  if (!site) throw unprocessable("site_id does not refer to a site of this organisation");
  const elevator = await findElevator(tx, elevatorId);
  if (!elevator)
    throw unprocessable("elevator_id does not refer to an elevator of this organisation");
  if (elevator.site_id !== site.id) {
    throw unprocessable("elevator_id does not belong to the given site_id");
  }
}

/** Callbacks and follow-ups link to a work order of the same organisation, without loops. */
export async function checkParent(tx: Tx, parentId: string, childId: string | null): Promise<void> {
  if (childId !== null && parentId === childId) {
    throw unprocessable("parent_work_order_id cannot be the work order itself");
  }
  if (!(await findWorkOrder(tx, parentId))) {
    throw unprocessable("parent_work_order_id does not refer to a work order of this organisation");
  }
  if (childId !== null && (await wouldCreateCycle(tx, childId, parentId))) {
    throw unprocessable("parent_work_order_id would make the work order its own ancestor");
  }
}

export async function checkReporter(tx: Tx, userId: string): Promise<void> {
  if (!(await userInCurrentOrg(tx, userId))) {
    throw unprocessable("reporter_user_id does not refer to a user of this organisation");
  }
}
