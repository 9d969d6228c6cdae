-- 0055 the outbox's topic index without a GIN pending list
--
-- With fastupdate (the default) each outbox insert appends to the GIN index's pending list,
-- and whichever insert finds the list over gin_pending_list_limit (4 MB) merges all of it
-- into the index inside its own transaction: tens of milliseconds added to one unlucky
-- change's commit, i.e. to its realtime latency. Inserting into the index directly costs
-- about the same throughput here (pgbench, 2 writers: within noise) and spreads the work
-- evenly, so no single change pays for thousands of others.
ALTER INDEX idx_realtime_events_topics SET (fastupdate = off);
