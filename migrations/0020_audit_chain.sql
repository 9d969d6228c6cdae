-- 0020 audit hash chain
--
-- Every organisation's audit_events form one hash chain:
--     hash = sha256(previous_hash || canonical(event))
-- computed here, in the database, so every writer (API, workers, plain SQL) chains the
-- same way and nobody can append without extending the chain. A BEFORE INSERT trigger
-- locks the organisation's chain head row, so two concurrent writers of one organisation
-- queue behind each other and the chain never forks; a rolled-back append leaves no gap.
-- chain_seq numbers each organisation's events 1, 2, 3...; a deleted row shows as a gap.

ALTER TABLE audit_events ADD COLUMN chain_seq BIGINT;
ALTER TABLE audit_chain_heads ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX idx_audit_chain ON audit_events (organization_id, chain_seq);

-- The canonical text of an event: its jsonb (keys in jsonb's fixed order) without the
-- two hash columns. TimeZone is pinned so timestamps render identically in every session.
CREATE FUNCTION audit_event_canonical(ev audit_events) RETURNS text
    LANGUAGE sql STABLE
    SET TimeZone = 'UTC'
AS $$ SELECT (to_jsonb(ev) - 'hash' - 'previous_hash')::text $$;

CREATE FUNCTION audit_event_digest(previous_hash text, canonical text) RETURNS text
    LANGUAGE sql IMMUTABLE
AS $$ SELECT encode(sha256(convert_to(coalesce(previous_hash, '') || canonical, 'UTF8')), 'hex') $$;

CREATE FUNCTION audit_events_chain() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    head_hash text;
    head_seq bigint;
BEGIN
    IF NEW.organization_id IS NULL THEN
        -- Organisation-less events (a portal user's login) are sealed but not chained.
        NEW.previous_hash := NULL;
        NEW.chain_seq := NULL;
    ELSE
        -- Upsert-and-lock the head: concurrent appends of one organisation serialise here.
        INSERT INTO audit_chain_heads AS h (organization_id, last_hash, last_seq)
        VALUES (NEW.organization_id, '', 0)
        ON CONFLICT (organization_id) DO UPDATE SET last_seq = h.last_seq
        RETURNING h.last_hash, h.last_seq INTO head_hash, head_seq;
        NEW.previous_hash := nullif(head_hash, '');
        NEW.chain_seq := head_seq + 1;
    END IF;
    NEW.hash := audit_event_digest(NEW.previous_hash, audit_event_canonical(NEW));
    IF NEW.organization_id IS NOT NULL THEN
        UPDATE audit_chain_heads
           SET last_hash = NEW.hash, last_seq = NEW.chain_seq, last_event_id = NEW.id
         WHERE organization_id = NEW.organization_id;
    END IF;
    RETURN NEW;
END
$$;
-- Owned by the BYPASSRLS service role: the chain head is maintained for the writer, and
-- request roles get no write access to heads at all (below).
ALTER FUNCTION audit_events_chain() OWNER TO sitesync_service;

CREATE TRIGGER audit_events_chain
    BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_chain();

REVOKE INSERT, UPDATE, DELETE ON audit_chain_heads FROM sitesync_app;
GRANT SELECT ON audit_chain_heads TO sitesync_app;
