-- 0100 reminders and upkeep (docs/workers.md, "Reminders" and "Upkeep")
--
-- * reminder_runs: one row per organisation (or organisation-less user) and local day
--   whose reminders were queued, so the 15-minute dispatcher queues each exactly once a
--   day, at 07:00 in that organisation's timezone or as soon after as a worker runs.
-- * The seed's reminder flags (compliance_tracking.reminder_sent_30/_7,
--   insurance_policies.reminder_sent_30/_7, user_certifications.reminder_sent) belong to
--   one due date: moving the date (a renewal, a completed inspection) clears them, so the
--   next cycle is reminded too.
-- * work_order_fixes(at): the one definition of a fix and of a first-time fix, used by the
--   health scores (per organisation, under RLS) and the technician metrics.
-- * technician_work_stats() and technician_expertise_score(): the technician metrics.
-- * A unique period per technician in technician_metrics_history, so the rollup upserts.

-- =============================================================================
-- reminder_runs
-- =============================================================================

CREATE TABLE reminder_runs (
    subject_type TEXT NOT NULL CHECK (subject_type IN ('organization', 'user')),
    subject_id UUID NOT NULL,
    -- The subject's calendar day (in its timezone) the reminders were run for.
    local_date DATE NOT NULL,
    timezone TEXT NOT NULL,
    queued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_type, subject_id, local_date)
);

COMMENT ON TABLE reminder_runs IS
    'Reminder runs queued, one per organisation (or organisation-less user) and local day; written by the reminders dispatcher (sitesync_service)';

-- Bookkeeping of a cross-tenant scheduler: the service role only.
ALTER TABLE reminder_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE reminder_runs FORCE ROW LEVEL SECURITY;
REVOKE ALL ON reminder_runs FROM sitesync_app;
GRANT ALL ON reminder_runs TO sitesync_service;

-- =============================================================================
-- Reminder flags follow their date
-- =============================================================================

-- A flag belongs to the date it reminded of. When an UPDATE moves the date (the trigger's
-- argument names its column) and leaves the flags as they were, they are cleared; an
-- UPDATE that sets a flag itself wins.
CREATE FUNCTION reminder_flags_follow_date() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF to_jsonb(NEW) -> TG_ARGV[0] IS NOT DISTINCT FROM to_jsonb(OLD) -> TG_ARGV[0] THEN
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'user_certifications' THEN
        IF NEW.reminder_sent IS NOT DISTINCT FROM OLD.reminder_sent THEN
            NEW.reminder_sent := false;
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.reminder_sent_30 IS NOT DISTINCT FROM OLD.reminder_sent_30 THEN
        NEW.reminder_sent_30 := false;
    END IF;
    IF NEW.reminder_sent_7 IS NOT DISTINCT FROM OLD.reminder_sent_7 THEN
        NEW.reminder_sent_7 := false;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER compliance_tracking_reminder_flags
    BEFORE UPDATE OF next_due_date ON compliance_tracking
    FOR EACH ROW EXECUTE FUNCTION reminder_flags_follow_date('next_due_date');
CREATE TRIGGER insurance_policies_reminder_flags
    BEFORE UPDATE OF expiry_date ON insurance_policies
    FOR EACH ROW EXECUTE FUNCTION reminder_flags_follow_date('expiry_date');
CREATE TRIGGER user_certifications_reminder_flags
    BEFORE UPDATE OF expiry_date ON user_certifications
    FOR EACH ROW EXECUTE FUNCTION reminder_flags_follow_date('expiry_date');

-- =============================================================================
-- Fixes and first-time fixes
-- =============================================================================

-- A fix is a breakdown or callback work order that was completed (status completed or
-- invoiced: closed by the organisation, i.e. verified work) by p_at. It is a first-time
-- fix when no callback on the same elevator (not cancelled, reported by p_at) follows it
-- within 30 days. It is settled once it was called back or its 30 days have passed; an
-- unsettled fix counts for neither side yet. SECURITY INVOKER: under a tenant's context
-- it sees that tenant's work orders only.
CREATE FUNCTION work_order_fixes(p_at timestamptz)
RETURNS TABLE (
    work_order_id uuid,
    organization_id uuid,
    site_id uuid,
    elevator_id uuid,
    assigned_contractor_id uuid,
    completed_at timestamptz,
    called_back boolean,
    settled boolean
)
    LANGUAGE sql
    STABLE
AS $$
    SELECT w.id, w.organization_id, w.site_id, w.elevator_id, w.assigned_contractor_id,
           w.completed_at, cb.called_back,
           cb.called_back OR w.completed_at <= p_at - interval '30 days'
      FROM public.work_orders w
      CROSS JOIN LATERAL (
          SELECT EXISTS (
              SELECT 1 FROM public.work_orders c
               WHERE c.elevator_id = w.elevator_id
                 AND c.id <> w.id
                 AND c.type = 'callback'
                 AND c.status <> 'cancelled'
                 AND coalesce(c.reported_at, c.created_at) > w.completed_at
                 AND coalesce(c.reported_at, c.created_at) <= w.completed_at + interval '30 days'
                 AND coalesce(c.reported_at, c.created_at) <= p_at) AS called_back
      ) cb
     WHERE w.type IN ('breakdown', 'callback')
       AND w.status IN ('completed', 'invoiced')
       AND w.completed_at IS NOT NULL
       AND w.completed_at <= p_at
$$;

COMMENT ON FUNCTION work_order_fixes(timestamptz) IS
    'Completed breakdowns and callbacks by p_at; called_back: a callback on the elevator followed within 30 days; settled: called back or 30 days passed';

-- Callbacks are found by elevator and type.
CREATE INDEX idx_work_orders_elevator_callbacks ON work_orders (elevator_id, reported_at)
    WHERE type = 'callback';

REVOKE ALL ON FUNCTION work_order_fixes(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION work_order_fixes(timestamptz) TO sitesync_app, sitesync_service;

-- =============================================================================
-- Technician metrics
-- =============================================================================

-- Per technician profile, the verified work done through any organisation's contractor
-- row linked to the profile's user (contractors.user_id), completed in [p_from, p_to):
-- jobs (completed or invoiced work orders of any type), distinct sites, settled fixes and
-- those called back, the mean on-site resolution time (actual_start to actual_end, or to
-- completed_at) and approved knowledge contributions published in the range
-- (published_at, else reviewed_at, else created_at). p_at is the
-- moment fixes are judged at. Cross-tenant by nature (a technician works for several
-- organisations): the service role calls it.
CREATE FUNCTION technician_work_stats(p_from timestamptz, p_to timestamptz, p_at timestamptz)
RETURNS TABLE (
    technician_profile_id uuid,
    jobs_completed integer,
    sites_served integer,
    fixes_settled integer,
    fixes_called_back integer,
    average_resolution_time_minutes integer,
    contributions_made integer
)
    LANGUAGE sql
    STABLE
AS $$
    WITH jobs AS (
        SELECT p.id AS profile_id, w.id, w.site_id,
               extract(epoch FROM coalesce(w.actual_end, w.completed_at) - w.actual_start) / 60
                   AS minutes
          FROM public.technician_profiles p
          JOIN public.contractors c ON c.user_id = p.user_id
          JOIN public.work_orders w ON w.assigned_contractor_id = c.id
         WHERE w.status IN ('completed', 'invoiced')
           AND w.completed_at >= p_from AND w.completed_at < p_to
           AND w.completed_at <= p_at
    ), fixes AS (
        SELECT p.id AS profile_id, f.called_back
          FROM public.technician_profiles p
          JOIN public.contractors c ON c.user_id = p.user_id
          JOIN public.work_order_fixes(p_at) f ON f.assigned_contractor_id = c.id
         WHERE f.settled AND f.completed_at >= p_from AND f.completed_at < p_to
    ), contributions AS (
        SELECT p.id AS profile_id, count(*)::int AS n
          FROM public.technician_profiles p
          JOIN public.knowledge_contributions k ON k.author_id = p.user_id
         WHERE k.status = 'approved'
           AND coalesce(k.published_at, k.reviewed_at, k.created_at) >= p_from
           AND coalesce(k.published_at, k.reviewed_at, k.created_at) < p_to
         GROUP BY p.id
    ), job_stats AS (
        SELECT profile_id, count(*)::int AS jobs, count(DISTINCT site_id)::int AS sites,
               round(avg(minutes) FILTER (WHERE minutes >= 0))::int AS minutes
          FROM jobs GROUP BY profile_id
    ), fix_stats AS (
        SELECT profile_id, count(*)::int AS settled,
               count(*) FILTER (WHERE called_back)::int AS called_back
          FROM fixes GROUP BY profile_id
    )
    SELECT p.id, coalesce(j.jobs, 0), coalesce(j.sites, 0), coalesce(f.settled, 0),
           coalesce(f.called_back, 0), j.minutes, coalesce(k.n, 0)
      FROM public.technician_profiles p
      LEFT JOIN job_stats j ON j.profile_id = p.id
      LEFT JOIN fix_stats f ON f.profile_id = p.id
      LEFT JOIN contributions k ON k.profile_id = p.id
$$;

-- expertise_score (0-100) = 50 x first-time-fix rate (0 without settled fixes)
--                         + 30 x min(1, jobs completed / 250)
--                         + 20 x min(1, approved contributions / 25)
CREATE FUNCTION technician_expertise_score(p_jobs integer, p_fixes_settled integer,
                                           p_fixes_called_back integer, p_contributions integer)
RETURNS integer
    LANGUAGE sql
    IMMUTABLE
AS $$
    SELECT round(
        50 * CASE WHEN p_fixes_settled > 0
                  THEN (p_fixes_settled - p_fixes_called_back)::numeric / p_fixes_settled
                  ELSE 0 END
      + 30 * least(1, p_jobs / 250.0)
      + 20 * least(1, p_contributions / 25.0))::int
$$;

REVOKE ALL ON FUNCTION technician_work_stats(timestamptz, timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION technician_work_stats(timestamptz, timestamptz, timestamptz)
    TO sitesync_service;
GRANT EXECUTE ON FUNCTION technician_expertise_score(integer, integer, integer, integer)
    TO sitesync_app, sitesync_service;

-- One row per technician and period, so the daily rollup updates a period in place.
CREATE UNIQUE INDEX technician_metrics_history_period_unique
    ON technician_metrics_history (technician_profile_id, period_start, period_end);
