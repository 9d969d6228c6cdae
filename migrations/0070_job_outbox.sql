-- 0070 job outbox (added; not in the seed)
--
-- Jobs caused by a database change are written here in the same transaction as
-- the change (enqueueAfterCommit, server/db/job-outbox.ts). The workers' outbox
-- relay moves committed rows to BullMQ and deletes them, so:
--   * a rolled-back transaction leaves no job behind (its row never commits);
--   * a committed change always gets its job, even if Redis or the relay was down
--     at commit time (the row waits until a relay can move it).
-- The relay adds each row with the BullMQ job id `outbox-<id>`, so a crash between
-- adding and deleting re-adds the same id, which BullMQ ignores.

CREATE TABLE job_outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The organisation whose transaction queued the job (NULL: none). Defaults to
    -- the caller's context, and RLS refuses any other organisation.
    organization_id UUID DEFAULT app_current_org() REFERENCES organizations(id) ON DELETE CASCADE,
    job_name TEXT NOT NULL,
    payload JSONB NOT NULL,
    -- BullMQ JobsOptions overrides (delay, priority...); the queue defaults apply otherwise.
    options JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

ALTER TABLE job_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_outbox FORCE ROW LEVEL SECURITY;
-- Requests may only queue jobs for their own organisation (or for none). They
-- cannot read, change or delete queued jobs: only the relay (service role) does.
CREATE POLICY job_outbox_insert ON job_outbox FOR INSERT
    WITH CHECK (organization_id IS NULL OR organization_id = app_current_org());

REVOKE ALL ON job_outbox FROM sitesync_app;
GRANT INSERT ON job_outbox TO sitesync_app;
GRANT ALL ON job_outbox TO sitesync_service;

-- Wakes the relay at commit (NOTIFY is delivered on commit only, and a
-- transaction's identical notifications are folded into one).
CREATE FUNCTION job_outbox_notify() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_notify('sitesync_jobs', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER job_outbox_notify
    AFTER INSERT ON job_outbox
    FOR EACH STATEMENT EXECUTE FUNCTION job_outbox_notify();
