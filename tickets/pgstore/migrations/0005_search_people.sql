-- Search no longer covers the bot's lines (tickets.Searchable): they are
-- the same questions and self-help steps in every ticket of an intent, so
-- they made a query match every such ticket, and they were most of the
-- text the trigram index took. The transcript rows of the tickets already
-- stored are made again from their records by the binary, once, under the
-- migration lock (as 0004's were).
INSERT INTO kv (key, value) SELECT 'pgstore.ticket_text_backfill', '\x01' WHERE EXISTS (SELECT 1 FROM tickets)
ON CONFLICT (key) DO NOTHING;
