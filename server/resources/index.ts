import { contractors } from "../../shared/resources/contractors.ts";
import { managerProfiles } from "../../shared/resources/manager-profiles.ts";
import { notifications } from "../../shared/resources/notifications.ts";
import { sites } from "../../shared/resources/sites.ts";
import { technicianProfiles } from "../../shared/resources/technician-profiles.ts";
import { elevatorRules } from "./elevators.ts";
import { forumCategoryRules } from "./forum-categories.ts";
import { forumPostRules } from "./forum-posts.ts";
import { forumSubscriptionRules } from "./forum-subscriptions.ts";
import { forumThreadRules } from "./forum-threads.ts";
import { type Served, serve } from "./rules.ts";
import { serviceRequestRules } from "./service-requests.ts";
import { tenantRules } from "./tenants.ts";
import { workOrderRules } from "./work-orders.ts";

/**
 * Every resource served from a definition, mounted at /api/v1/<path> (routes/index.ts).
 * The generated isolation and bad-input tests (test/resources.test.ts) iterate over this
 * list, so a resource added here is tested without anyone writing its tests.
 */
export const RESOURCES: readonly Served[] = [
  serve(sites),
  elevatorRules,
  serve(contractors),
  workOrderRules,
  serve(technicianProfiles),
  serve(managerProfiles),
  serve(notifications),
  tenantRules,
  serviceRequestRules,
  forumCategoryRules,
  forumThreadRules,
  forumPostRules,
  forumSubscriptionRules,
];
