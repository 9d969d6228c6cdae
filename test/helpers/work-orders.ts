import type { DatabasePool } from "slonik";
import type { Role } from "../../shared/permissions.ts";
import { buildElevator, buildOrgWithUser, buildSite } from "../factories.ts";

/** An organisation with a signed-in user plus one site and one elevator to raise work on. */
export type OrgWithLift = Awaited<ReturnType<typeof buildOrgWithUser>> & {
  siteId: string;
  elevatorId: string;
};

/** `db` is the service pool (runtime.serviceDb), like every factory's. */
export async function orgWithLift(db: DatabasePool, role: Role = "admin"): Promise<OrgWithLift> {
  const org = await buildOrgWithUser(db, role);
  const site = await buildSite(db, org.orgId);
  const lift = await buildElevator(db, org.orgId, site.id);
  return { ...org, siteId: site.id, elevatorId: lift.id };
}
