-- 0102 reminder_deliveries: the record of reminders whose rows have no flag in the seed
--
-- compliance_tracking, insurance_policies and user_certifications record a reminder in
-- their own flags (0100). contractors (licence, insurance) and elevators
-- (next_inspection_due) have none, and their reminders used to be recorded only by the
-- notifications' dedupe key, which is per recipient: a manager who joined after the
-- reminder went out got it again the next day. One row here per reminder (kind, row,
-- date, stage) makes those reminders exactly once per reminder, like the flagged ones.
-- The run inserts it in the reminder's own transaction before notify(): a concurrent run
-- waits on the primary key and then finds it taken; a crash rolls both back
-- (docs/workers.md, "Reminders").

CREATE TABLE reminder_deliveries (
    organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL
        CHECK (kind IN ('contractor_licence', 'contractor_insurance', 'elevator_inspection')),
    -- contractors.id or elevators.id, per kind.
    item_id UUID NOT NULL,
    -- The date reminded of: a new date is a new cycle.
    due_date DATE NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('30', '7')),
    sent_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, item_id, due_date, stage)
);

COMMENT ON TABLE reminder_deliveries IS
    'Reminders sent for rows without a seed flag (contractor licence/insurance, elevator inspection), one per kind, row, date and stage; written by the reminders worker under the organisation''s context';

CREATE INDEX idx_reminder_deliveries_org ON reminder_deliveries (organization_id);

ALTER TABLE reminder_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE reminder_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY reminder_deliveries_org ON reminder_deliveries
    USING (organization_id = app_current_org())
    WITH CHECK (organization_id = app_current_org());
GRANT SELECT, INSERT ON reminder_deliveries TO sitesync_app;
GRANT ALL ON reminder_deliveries TO sitesync_service;
