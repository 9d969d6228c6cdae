import {
  canMoveApplication,
  type EmployerApplicationStatus,
} from "../../../shared/job-applications.ts";
import { recordAudit } from "../../audit/record.ts";
import { lockEmployerApplication, setApplicationStatus } from "../../db/job-applications.ts";
import type { Tx } from "../../db/tenant-context.ts";
import { conflict, notFound } from "../../errors.ts";
import { notify } from "../../notifications/notify.ts";
import type { CommandContext } from "../work-orders/context.ts";

const LABEL: Record<EmployerApplicationStatus, string> = {
  viewed: "was viewed",
  shortlisted: "is shortlisted",
  interviewing: "moved to interviews",
  offered: "has an offer",
  hired: "was successful",
  rejected: "was not successful",
};

/**
 * The employer moves an application to its listing along (shared/job-applications.ts),
 * in one transaction with its audit event and the applicant's notification. The row is
 * locked first, so two staff moving it at once are judged one after the other. The
 * applicant is usually in another organisation (or none): notify() reaches them.
 * Each status is reached at most once, so `<id>:<status>` names the event.
 */
export async function changeApplicationStatus(
  tx: Tx,
  ctx: CommandContext,
  id: string,
  input: { status: EmployerApplicationStatus; message?: string | undefined },
) {
  const before = await lockEmployerApplication(tx, id);
  if (!before) throw notFound("Job application");
  if (!canMoveApplication(before.status, input.status)) {
    throw conflict(`A ${before.status} application cannot become ${input.status}`);
  }
  const after = await setApplicationStatus(tx, id, input.status);
  await recordAudit(tx, ctx.audit, {
    organizationId: ctx.principal.organizationId,
    eventType: "user_action",
    entityType: "job_application",
    entityId: id,
    data: { action: "job_application_status_changed", from: before.status, to: input.status },
    previousState: { status: before.status },
    newState: { status: after.status },
  });
  await notify(tx, {
    userIds: [after.applicant_id],
    type: "job_application_status_changed",
    title: `Your application for ${before.listing_title} ${LABEL[input.status]}`,
    body: input.message ?? null,
    link: { type: "job_application", id, url: `/jobs/applications/${id}` },
    dedupeKey: `job_application_status_changed:${id}:${input.status}`,
  });
  return after;
}
