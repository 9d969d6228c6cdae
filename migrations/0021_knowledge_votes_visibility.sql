-- 0021 knowledge votes follow their contribution's visibility
--
-- 0003 let any signed-in user read every vote, which reveals the ids and voters of
-- another organisation's draft contributions. A vote is now visible exactly when the
-- contribution it belongs to is (knowledge_contributions' own policy decides that).
DROP POLICY knowledge_votes_select ON knowledge_votes;
CREATE POLICY knowledge_votes_select ON knowledge_votes FOR SELECT
    USING (EXISTS (SELECT 1 FROM knowledge_contributions k WHERE k.id = knowledge_votes.contribution_id));
