-- Every dialogue adds one to its quarter hour's outcome count, so with one
-- row per (quarter, outcome) every replica's turns queued on the same few
-- rows, each held until its commit was flushed. A count is now spread over
-- shards that commits pick at random; Outcomes adds them up on read.
ALTER TABLE outcomes ADD COLUMN shard smallint NOT NULL DEFAULT 0;
ALTER TABLE outcomes DROP CONSTRAINT outcomes_pkey;
ALTER TABLE outcomes ADD PRIMARY KEY (quarter, outcome, shard);
