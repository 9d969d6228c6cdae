-- 0108 a thread's page of posts along an index (docs/benchmarks.md, "Forum thread page")
--
-- List pages order by the keyset expression date_trunc('milliseconds', created_at AT TIME
-- ZONE 'UTC'), id (server/db/keyset.ts; cursors carry milliseconds). The UTC form is
-- immutable, so it can be indexed: a thread's first page then reads its 51 oldest posts
-- along this index and checks the posts policy for those only, instead of reading and
-- checking every post of a long thread before a top-N sort.
CREATE INDEX idx_forum_post_thread_page
    ON forum_posts (thread_id, date_trunc('milliseconds', created_at AT TIME ZONE 'UTC'), id);
