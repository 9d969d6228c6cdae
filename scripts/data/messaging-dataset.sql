-- Synthetic data set for the messaging benchmark (scripts/bench-messaging.ts).
-- Parameters (replaced by scripts/bench/messaging/dataset.ts):
--   :orgs            organisations
--   :users_per_org   users per organisation (the first is a busy dispatcher)
--   :threads         conversations besides the dispatchers' (10 % across organisations)
--   :messages        messages
-- Shape: every dispatcher has a conversation with each colleague, so each has hundreds
-- of conversations and thousands of messages; the other conversations are random pairs.
-- Messages pick a conversation with a skew towards the first ones (the dispatchers' come
-- first), so the busiest conversation holds thousands of messages; they are spread over
-- ~6 months, oldest first; everything older than two days is read, a third of the rest is
-- not. Each message is from one of its pair to the other, at random.
--
-- Runs as sitesync_owner in ONE transaction on a dedicated benchmark database only:
-- FORCE RLS is lifted and messages' user triggers (realtime outbox, conversation upkeep,
-- thread assignment) are disabled while rows are generated, and conversations are then
-- built in one statement, exactly as the triggers would have left them. Both are restored
-- before COMMIT, so no other session ever sees the relaxed state.

SET LOCAL synchronous_commit = off;
ALTER TABLE organizations NO FORCE ROW LEVEL SECURITY;
ALTER TABLE users NO FORCE ROW LEVEL SECURITY;
ALTER TABLE messages NO FORCE ROW LEVEL SECURITY;
ALTER TABLE conversations NO FORCE ROW LEVEL SECURITY;
ALTER TABLE messages DISABLE TRIGGER USER;

INSERT INTO organizations (name, slug, organization_type)
SELECT 'Messaging Org ' || o, 'bench-msg-org-' || o, 'service_company'
  FROM generate_series(1, :orgs) AS o;

CREATE TEMP TABLE bench_users ON COMMIT DROP AS
SELECT o.n AS org, u.n AS n, gen_random_uuid() AS id, org.id AS organization_id
  FROM generate_series(1, :orgs) AS o(n)
  JOIN organizations org ON org.slug = 'bench-msg-org-' || o.n
 CROSS JOIN generate_series(1, :users_per_org) AS u(n);

INSERT INTO users (id, organization_id, email, role, user_type, first_name, last_name, display_name)
SELECT id, organization_id, 'bench-msg-' || org || '-' || n || '@bench.test',
       CASE WHEN n = 1 THEN 'manager' ELSE 'technician' END, 'standard',
       'User', org || '-' || n, 'Bench user ' || org || '-' || n
  FROM bench_users;

CREATE TEMP TABLE bench_threads (t serial PRIMARY KEY, thread_id uuid NOT NULL, a uuid NOT NULL, b uuid NOT NULL)
    ON COMMIT DROP;
-- The dispatchers' conversations first (they get the most messages).
INSERT INTO bench_threads (thread_id, a, b)
SELECT gen_random_uuid(), d.id, u.id
  FROM bench_users d JOIN bench_users u ON u.org = d.org AND u.n > 1
 WHERE d.n = 1
 ORDER BY u.n, u.org;
-- Random pairs: 90 % colleagues, 10 % across organisations.
INSERT INTO bench_threads (thread_id, a, b)
SELECT gen_random_uuid(), a.id, b.id
  FROM generate_series(1, :threads) AS g
 CROSS JOIN LATERAL (SELECT 1 + floor(random() * :orgs)::int AS oa,
                            2 + floor(random() * (:users_per_org - 1))::int AS na,
                            2 + floor(random() * (:users_per_org - 1))::int AS nb,
                            random() < 0.1 AS cross_org, g AS seed) p
  JOIN bench_users a ON a.org = p.oa AND a.n = p.na
  JOIN bench_users b ON b.org = CASE WHEN p.cross_org THEN 1 + (p.oa % :orgs) ELSE p.oa END
                    AND b.n = CASE WHEN p.nb <> p.na THEN p.nb WHEN p.na = 2 THEN 3 ELSE 2 END
 WHERE a.id <> b.id;

CREATE TEMP TABLE bench_thread_count ON COMMIT DROP AS SELECT count(*)::int AS n FROM bench_threads;

INSERT INTO messages (thread_id, sender_id, recipient_id, content, is_read, read_at, created_at)
SELECT t.thread_id,
       CASE WHEN m.flip THEN t.b ELSE t.a END,
       CASE WHEN m.flip THEN t.a ELSE t.b END,
       'Bench message ' || m.i || ': lift ' || (m.i % 97) || ' checked, all good.',
       m.at < now() - interval '2 days' OR m.coin > 0.33,
       CASE WHEN m.at < now() - interval '2 days' OR m.coin > 0.33 THEN m.at + interval '5 minutes' END,
       m.at
  FROM (SELECT i,
               1 + floor((SELECT n FROM bench_thread_count) * power(random(), 2))::int AS t,
               random() < 0.5 AS flip,
               random() AS coin,
               now() - (:messages - i) * interval '15 seconds' - random() * interval '10 seconds' AS at
          FROM generate_series(1, :messages) AS i) m
  JOIN bench_threads t ON t.t = m.t;

INSERT INTO conversations (thread_id, user_id, other_user_id, last_message_id, last_message_at)
SELECT DISTINCT ON (m.thread_id, p.user_id) m.thread_id, p.user_id, p.other_user_id, m.id, m.created_at
  FROM messages m
 CROSS JOIN LATERAL (VALUES (m.sender_id, m.recipient_id), (m.recipient_id, m.sender_id))
       AS p(user_id, other_user_id)
 ORDER BY m.thread_id, p.user_id, m.created_at DESC, m.id DESC;

ALTER TABLE messages ENABLE TRIGGER USER;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
ALTER TABLE conversations FORCE ROW LEVEL SECURITY;
