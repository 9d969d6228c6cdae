import type { ReminderItem, ReminderKind, ReminderMark } from "../../server/db/reminders.ts";
import type { NotificationLink } from "../../shared/notifications.ts";

/**
 * What each kind of reminder is (docs/workers.md, "Reminders"): how far ahead, which
 * reminders, what turns overdue, and which flag records that a reminder went out. Pure:
 * the run (run.ts) applies it to rows it has locked.
 */
export type Stage = "30" | "7" | "overdue";

type Rule = {
  /** Reminded this many days ahead (and, with `sevenDay`, again 7 days ahead). */
  leadDays: number;
  sevenDay: boolean;
  /** Statuses that become `overdueStatus` once the date has passed (with one reminder). */
  overdueFrom: readonly string[];
  overdueStatus?: "overdue" | "expired";
  /**
   * Where the record of a reminder is: the seed's pair of flags (30, 7) or single flag on
   * the row, or, for tables without one, reminder_deliveries (migrations/0102).
   */
  flags: "pair" | "single" | "ledger";
  /** The contractor's or certified user is told too, besides the organisation's staff. */
  tellsItemUser: boolean;
  noun: string;
  link: (item: ReminderItem) => NotificationLink;
};

export const RULES: Record<ReminderKind, Rule> = {
  compliance: {
    leadDays: 30,
    sevenDay: true,
    overdueFrom: ["pending", "compliant", "failed"],
    overdueStatus: "overdue",
    flags: "pair",
    tellsItemUser: false,
    noun: "Compliance",
    link: (i) => ({ type: "compliance_tracking", id: i.id, url: `/elevators/${i.elevator_id}` }),
  },
  insurance_policy: {
    leadDays: 30,
    sevenDay: true,
    overdueFrom: ["active", "pending_renewal"],
    overdueStatus: "expired",
    flags: "pair",
    tellsItemUser: false,
    noun: "Insurance",
    link: (i) => ({ type: "insurance_policy", id: i.id, url: `/insurance-policies/${i.id}` }),
  },
  certification: {
    leadDays: 30,
    sevenDay: false,
    overdueFrom: [],
    flags: "single",
    tellsItemUser: true,
    noun: "Certification",
    link: (i) => ({ type: "user_certification", id: i.id, url: `/certifications/${i.id}` }),
  },
  contractor_licence: {
    leadDays: 30,
    sevenDay: true,
    overdueFrom: [],
    flags: "ledger",
    tellsItemUser: true,
    noun: "Contractor licence",
    link: (i) => ({ type: "contractor", id: i.id, url: `/contractors/${i.id}` }),
  },
  contractor_insurance: {
    leadDays: 30,
    sevenDay: true,
    overdueFrom: [],
    flags: "ledger",
    tellsItemUser: true,
    noun: "Contractor insurance",
    link: (i) => ({ type: "contractor", id: i.id, url: `/contractors/${i.id}` }),
  },
  elevator_inspection: {
    leadDays: 30,
    sevenDay: true,
    overdueFrom: [],
    flags: "ledger",
    tellsItemUser: false,
    noun: "Inspection",
    link: (i) => ({ type: "elevator", id: i.id, url: `/elevators/${i.id}` }),
  },
};

/** The longest lead of any kind: how far ahead the dispatcher looks for user runs. */
export const MAX_LEAD_DAYS = Math.max(...Object.values(RULES).map((r) => r.leadDays));

/** The reminder this item is due, given its current flags; null when none is. */
export function stageFor(kind: ReminderKind, item: ReminderItem): Stage | null {
  const rule = RULES[kind];
  if (item.days_left < 0) {
    return item.status !== null && rule.overdueFrom.includes(item.status) ? "overdue" : null;
  }
  if (item.days_left > rule.leadDays) return null;
  if (rule.flags === "single") return item.sent ? null : "30";
  if (rule.sevenDay && item.days_left <= 7) return item.sent_7 ? null : "7";
  return item.sent_30 || item.sent_7 ? null : "30";
}

/**
 * What records on the row itself that the reminder went out (set after notify()); null
 * for the kinds recorded in reminder_deliveries, which the run claims before notify().
 */
export function markFor(kind: ReminderKind, stage: Stage): ReminderMark | null {
  const rule = RULES[kind];
  if (stage === "overdue") return rule.overdueStatus ? { status: rule.overdueStatus } : null;
  if (rule.flags === "single") return { flags: "sent" };
  if (rule.flags === "pair") return { flags: stage === "7" ? "sent_7" : "sent_30" };
  return null;
}

/**
 * The identity of one reminder: the row, the date it reminds of and the stage. notify()
 * never tells a user twice under one key: a second guard behind the flags and
 * reminder_deliveries. A new date is a new reminder.
 */
export function dedupeKey(kind: ReminderKind, item: ReminderItem, stage: Stage): string {
  return `reminder:${kind}:${item.id}:${item.due_date}:${stage}`;
}

function when(days: number): string {
  if (days === 0) return "today";
  if (days === 1) return "tomorrow";
  return `in ${days} days`;
}

export function messageFor(
  kind: ReminderKind,
  item: ReminderItem,
  stage: Stage,
): { title: string; body: string } {
  const rule = RULES[kind];
  const where = item.place ? ` (${item.place})` : "";
  const verb = kind === "compliance" || kind === "elevator_inspection" ? "due" : "expires";
  if (stage === "overdue") {
    const state = rule.overdueStatus === "expired" ? "expired" : "overdue";
    return {
      title: `${rule.noun} ${state}: ${item.label}${where}`,
      body: `${item.label}${where} was ${verb === "due" ? "due" : "valid until"} ${item.due_date}; it is now marked ${state}.`,
    };
  }
  return {
    title: `${rule.noun} ${verb} ${when(item.days_left)}: ${item.label}${where}`,
    body: `${item.label}${where}: ${verb} on ${item.due_date}.`,
  };
}
