import { tenants } from "../../shared/resources/tenants.ts";
import { unprocessable } from "../errors.ts";
import { serve } from "./rules.ts";

/** A portal is switched on for a portal user: `POST /tenants/:id/invite` names one first. */
export const tenantRules = serve(tenants, {
  async beforeUpdate(_ctx, { before, body }) {
    if (body.portal_enabled === true && !before.portal_user_id) {
      throw unprocessable(
        "portal_enabled needs a portal user: invite one (POST /tenants/:id/invite)",
      );
    }
    return undefined;
  },
});
