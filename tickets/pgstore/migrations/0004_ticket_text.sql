-- The searchable text leaves the tickets row. Under one GIN index on the
-- whole text, every write of a ticket (a user's line, an agent's reply, a
-- claim) inserted the trigrams of all its text again, and waited on the
-- index's pending list: the costliest statement of a turn. Now the
-- ticket's fields are a row, rewritten when they change, and the lines each
-- write appends to the transcript a row of their own: a line, once
-- written, is never indexed again.
CREATE TABLE ticket_text (
    seq  bigint NOT NULL,
    -- 0: the ticket's own fields (id, transaction and user id, display
    -- name, summary, error message, notes), one per line; n >= 1: the
    -- transcript lines one write appended, up to entry n-1 counted from
    -- the first ever (archived ones included), one per line.
    part integer NOT NULL,
    text text NOT NULL,
    PRIMARY KEY (seq, part)
);
CREATE INDEX ticket_text_search ON ticket_text USING gin (text gin_trgm_ops);

DROP INDEX tickets_search;
ALTER TABLE tickets DROP COLUMN search_live, DROP COLUMN search_archive;

-- The rows of the tickets already stored are made from their records by
-- the binary (NormalizeSearch is Go), once, under the migration lock.
INSERT INTO kv (key, value) SELECT 'pgstore.ticket_text_backfill', '\x01' WHERE EXISTS (SELECT 1 FROM tickets);
