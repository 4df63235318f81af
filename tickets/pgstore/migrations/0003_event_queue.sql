-- Writers no longer number events themselves. Numbering them inside the
-- writing transaction held the events counter row until that commit's WAL
-- flush, so every ticket write of every replica waited for the flushes of
-- the ones before it (about 400 a second on a disk that flushes in 2.4 ms).
-- A writer now appends its events here; a numbering round (sequencer.go)
-- later moves everything committed so far into events under the counter
-- row, many events per flush.
CREATE TABLE event_queue (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_ns bigint NOT NULL,
    doc   json NOT NULL
);

-- An outcome count's shard is now the server process of the session that
-- counts (pg_backend_pid), so two transactions in flight never share a row.
ALTER TABLE outcomes ALTER COLUMN shard TYPE integer;
