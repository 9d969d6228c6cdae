-- 0080 account e-mails (added; not in the seed)
--
-- Registration now waits for the owner to prove the e-mail address
-- (docs/auth.md): POST /auth/register answers 202 the same way whether or not
-- the address has an account, and only a link from the mail creates the
-- organisation. Until then the request waits here, holding only hashes.
--
-- The ids the organisation and its owner will get are chosen at request time,
-- so completing runs as sitesync_app under exactly that context: RLS admits
-- this row and nothing else, and no BYPASSRLS role writes anything. Finding
-- the row by its token hash (the only credential presented) uses the service
-- role, as accepting an invitation does.

CREATE TABLE pending_registrations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL,
    user_id UUID NOT NULL,
    email VARCHAR(255) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    first_name VARCHAR(100),
    last_name VARCHAR(100),
    organization_name VARCHAR(255) NOT NULL,
    organization_slug VARCHAR(100) NOT NULL,
    organization_type VARCHAR(50) NOT NULL,
    token_hash VARCHAR(64) NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE UNIQUE INDEX idx_pending_registrations_token ON pending_registrations(token_hash);
CREATE INDEX idx_pending_registrations_expires ON pending_registrations(expires_at);

ALTER TABLE pending_registrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE pending_registrations FORCE ROW LEVEL SECURITY;
CREATE POLICY pending_registrations_own_ids ON pending_registrations
    USING (organization_id = app_current_org() AND user_id = app_current_user())
    WITH CHECK (organization_id = app_current_org() AND user_id = app_current_user());

GRANT SELECT, INSERT, DELETE ON pending_registrations TO sitesync_app;
GRANT ALL ON pending_registrations TO sitesync_service;

-- One-time tokens mailed to a user: password reset and e-mail verification.
-- Only the SHA-256 of a token is stored. A token is used at most once
-- (used_at, set with UPDATE ... WHERE used_at IS NULL) and only before
-- expires_at. `email` is the address the token was sent to: verifying proves
-- that address, so it must still be the user's when the link is used.

CREATE TABLE user_account_tokens (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose VARCHAR(30) NOT NULL
        CONSTRAINT user_account_tokens_purpose_check
        CHECK (purpose IN ('password_reset', 'email_verification')),
    email VARCHAR(255) NOT NULL,
    token_hash VARCHAR(64) NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    requested_ip INET,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE UNIQUE INDEX idx_user_account_tokens_token ON user_account_tokens(token_hash);
CREATE INDEX idx_user_account_tokens_user ON user_account_tokens(user_id, purpose)
    WHERE used_at IS NULL;

ALTER TABLE user_account_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_account_tokens FORCE ROW LEVEL SECURITY;
-- A user's own tokens only: they are written and used under that user's own
-- context (the request for a reset is anonymous, so the user is found by
-- e-mail on the service role first, exactly as login does).
CREATE POLICY user_account_tokens_own ON user_account_tokens
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());

GRANT SELECT, INSERT, UPDATE, DELETE ON user_account_tokens TO sitesync_app;
GRANT ALL ON user_account_tokens TO sitesync_service;
