import {
  elevatorHealthFacts,
  liveOrganizationIds,
  lockSite,
  organizationSiteIds,
  recordHealthHistory,
  saveElevatorHealth,
  saveSiteHealth,
} from "../../server/db/health-scores.ts";
import { enqueueAfterCommit } from "../../server/db/job-outbox.ts";
import { withTenant } from "../../server/db/tenant-context.ts";
import type { JobPayload } from "../../shared/jobs.ts";
import { elevatorHealth, siteHealth, WEIGHTS } from "../health/score.ts";
import type { JobContext } from "./context.ts";

/**
 * Daily: queues health.recompute for every organisation, all judged at the same moment.
 * Service role: it lists every organisation (cross-tenant by nature); each recompute
 * then runs under its own organisation's context.
 */
export async function dispatchHealth(
  payload: JobPayload<"health.dispatch">,
  { runtime }: JobContext,
): Promise<{ queued: number }> {
  const at = payload.at ?? new Date().toISOString();
  return runtime.serviceDb.transaction(async (tx) => {
    const ids = await liveOrganizationIds(tx);
    for (const id of ids) {
      await enqueueAfterCommit(tx, "health.recompute", { organization_id: id, at });
    }
    return { queued: ids.length };
  });
}

/** Tests step in after a site's transaction committed (a crash between two sites). */
export type HealthHooks = { afterSite?: (siteId: string) => Promise<void> };

/**
 * Recomputes the health of every lift in service and every site of one organisation as
 * at `at` (docs/workers.md, "Health scores"), under the organisation's RLS context: the
 * work is the organisation's own. One transaction per site locks the site, reads its
 * lifts' facts, writes each lift's score (when it changed), the site's score and
 * components, and the site's health_score_history row for `at`'s day. Idempotent: the
 * same `at` gives the same scores, and a day's history row is replaced, not added; a
 * crash between sites leaves the finished ones done and the retry recomputes them to the
 * same values. Sites without lifts in service get no score.
 */
export async function recomputeHealth(
  payload: JobPayload<"health.recompute">,
  { runtime, signal }: JobContext,
  hooks?: HealthHooks,
): Promise<{ sites: number; elevators: number }> {
  const context = { organizationId: payload.organization_id, userId: null };
  const at = new Date(payload.at).toISOString();
  const asOf = at.slice(0, 10);
  const siteIds = await withTenant(runtime.db, context, organizationSiteIds);
  let sites = 0;
  let elevators = 0;
  for (const siteId of siteIds) {
    signal.throwIfAborted();
    const scored = await withTenant(runtime.db, context, async (tx) => {
      if (!(await lockSite(tx, siteId))) return 0;
      const lifts = await elevatorHealthFacts(tx, siteId, at);
      const site = siteHealth(lifts);
      if (!site) return 0;
      const perLift = lifts.map((facts) => ({ facts, health: elevatorHealth(facts) }));
      for (const { facts, health } of perLift) {
        await saveElevatorHealth(tx, facts.elevator_id, health.score);
      }
      const components = { ...site.components, weights: WEIGHTS, elevators: lifts.length };
      await saveSiteHealth(tx, siteId, site.score, components);
      await recordHealthHistory(tx, siteId, {
        score: site.score,
        equipment_condition_score: site.components.equipment_condition,
        maintenance_compliance_score: site.components.maintenance_compliance,
        incident_frequency_score: site.components.incident_frequency,
        first_time_fix_score: site.components.first_time_fix,
        predictive_risk_score: site.components.predictive_risk,
        components: {
          as_of: asOf,
          at,
          weights: WEIGHTS,
          elevators: perLift.map(({ facts, health }) => ({
            ...facts,
            score: health.score,
            components: health.components,
          })),
        },
      });
      return lifts.length;
    });
    if (scored > 0) {
      sites++;
      elevators += scored;
    }
    await hooks?.afterSite?.(siteId);
  }
  return { sites, elevators };
}
