-- 0030 user invitations (added; not in the seed)
--
-- An admin invites someone by email: the users row is created at once (no
-- password, so nobody can log in as it yet) and an invitation holds the hash of
-- a one-time token. Accepting sets the password and marks the invitation used.
-- Only the SHA-256 of the token is stored, like refresh tokens and API keys.

CREATE TABLE user_invitations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    invited_by UUID NOT NULL REFERENCES users(id),
    token_hash VARCHAR(64) NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE UNIQUE INDEX idx_user_invitations_token ON user_invitations(token_hash);
CREATE INDEX idx_user_invitations_user ON user_invitations(user_id);
CREATE INDEX idx_user_invitations_org ON user_invitations(organization_id);

ALTER TABLE user_invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_invitations FORCE ROW LEVEL SECURITY;
-- Invitations belong to the inviting organisation. Accepting one happens before
-- any context exists (the token is the credential), so that look-up uses the
-- service role; the write then runs under the invited user's own context.
CREATE POLICY user_invitations_org_isolation ON user_invitations
    USING (organization_id = app_current_org())
    WITH CHECK (organization_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON user_invitations TO sitesync_app;
GRANT ALL ON user_invitations TO sitesync_service;
