-- triagebot schema, version 1. See docs/postgres.md for what each table
-- and index serves. Key columns are COLLATE "C" so that orderings are
-- byte orders, as in the bbolt store, whatever the database's locale.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Single-row counters taken inside transactions (row lock until commit):
-- 'events' numbers the agents' stream so that numbers commit in order.
CREATE TABLE counters (
    name  text COLLATE "C" PRIMARY KEY,
    value bigint NOT NULL
);
INSERT INTO counters (name, value) VALUES ('events', 0);

CREATE SEQUENCE ticket_seq;
CREATE SEQUENCE notice_seq;

-- One row per ticket: the record as JSON (doc) and the columns every list
-- orders or filters by. Times are Unix nanoseconds (bigint): exact, like
-- the Go values, where timestamptz would round to microseconds.
CREATE TABLE tickets (
    seq               bigint PRIMARY KEY,
    status            text COLLATE "C" NOT NULL,
    queue             text COLLATE "C" NOT NULL,
    priority          text COLLATE "C" NOT NULL,
    rank              smallint NOT NULL,
    created_ns        bigint NOT NULL,
    channel           text COLLATE "C" NOT NULL,
    user_id           text COLLATE "C" NOT NULL,
    -- report row (ReportRows reads these, never doc)
    intent            text NOT NULL,
    lang              text NOT NULL,
    sla_ns            bigint NOT NULL,
    first_response_ns bigint NOT NULL,
    resolved_at_ns    bigint NOT NULL,
    breached          boolean NOT NULL,
    csat              smallint NOT NULL,
    -- waiting_due_ns: sla_due while the ticket waits for its first agent
    -- response (Ticket.Waiting), else NULL: the SLA sweep's index.
    waiting_due_ns    bigint,
    -- purge_ns: resolved_at while resolved and not yet purged, else NULL.
    purge_ns          bigint,
    -- search: normalized searchable text of the record (search_live) and
    -- of the entries moved to the transcript archive (append-only).
    search_live       text NOT NULL,
    search_archive    text NOT NULL DEFAULT '',
    exact_keys        text[] NOT NULL,
    doc               json NOT NULL
);
CREATE INDEX tickets_all          ON tickets (rank, created_ns, seq);
CREATE INDEX tickets_status       ON tickets (status, rank, created_ns, seq);
CREATE INDEX tickets_queue        ON tickets (queue, rank, created_ns, seq);
CREATE INDEX tickets_queue_status ON tickets (queue, status, rank, created_ns, seq);
CREATE INDEX tickets_user         ON tickets (channel, user_id, seq);
CREATE INDEX tickets_created      ON tickets (created_ns, seq);
CREATE INDEX tickets_waiting_due  ON tickets (waiting_due_ns, seq) WHERE waiting_due_ns IS NOT NULL;
CREATE INDEX tickets_purge        ON tickets (purge_ns, seq) WHERE purge_ns IS NOT NULL;
CREATE INDEX tickets_search       ON tickets USING gin ((search_live || E'\n' || search_archive) gin_trgm_ops);
CREATE INDEX tickets_exact        ON tickets USING gin (exact_keys);

-- Entries beyond tickets.TranscriptWindow, oldest first, append-only.
CREATE TABLE transcript_archive (
    seq   bigint NOT NULL,
    idx   integer NOT NULL,
    entry json NOT NULL,
    PRIMARY KEY (seq, idx)
);

CREATE TABLE conversations (
    id          text COLLATE "C" PRIMARY KEY,
    channel     text COLLATE "C" NOT NULL,
    resume_hash bytea UNIQUE,
    -- had_ticket is set for good once the conversation led to a ticket;
    -- idle_ns is its last activity while it never did (else NULL): the
    -- expiry sweep's index.
    had_ticket  boolean NOT NULL DEFAULT false,
    idle_ns     bigint,
    -- outbox_seq is the last outbox Seq assigned; it only grows.
    outbox_seq  bigint NOT NULL DEFAULT 0,
    doc         json NOT NULL
);
CREATE INDEX conversations_idle ON conversations (idle_ns, id) WHERE idle_ns IS NOT NULL;

CREATE TABLE outbox (
    conversation_id text COLLATE "C" NOT NULL REFERENCES conversations ON DELETE CASCADE,
    seq             bigint NOT NULL,
    parts           integer NOT NULL DEFAULT 0,
    doc             json NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);

-- Conversations with a non-empty outbox, by channel.
CREATE TABLE pending (
    channel         text COLLATE "C" NOT NULL,
    conversation_id text COLLATE "C" NOT NULL REFERENCES conversations ON DELETE CASCADE,
    PRIMARY KEY (channel, conversation_id)
);
CREATE INDEX pending_conversation ON pending (conversation_id);

CREATE TABLE attachments (
    id    text COLLATE "C" PRIMARY KEY,
    owner text COLLATE "C" NOT NULL,
    meta  json NOT NULL,
    data  bytea NOT NULL
);
CREATE INDEX attachments_owner ON attachments (owner);
-- Files are mostly images and PDFs, already compressed.
ALTER TABLE attachments ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE agents (
    name       text COLLATE "C" PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    doc        json NOT NULL
);

CREATE TABLE seen (
    key  text COLLATE "C" PRIMARY KEY,
    at_s bigint NOT NULL
);
CREATE INDEX seen_at ON seen (at_s, key);

CREATE TABLE kv (
    key   text COLLATE "C" PRIMARY KEY,
    value bytea NOT NULL
);

CREATE TABLE events (
    seq   bigint PRIMARY KEY,
    at_ns bigint NOT NULL,
    doc   json NOT NULL
);

CREATE TABLE choices (
    conversation_id text COLLATE "C" NOT NULL,
    seq             bigint NOT NULL,
    labels          json NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);

CREATE TABLE notices (
    id         bigint PRIMARY KEY,
    rank       smallint NOT NULL,
    ticket_seq bigint,
    doc        json NOT NULL
);
CREATE INDEX notices_order ON notices (rank, id);

CREATE TABLE outcomes (
    quarter bigint NOT NULL,
    outcome text COLLATE "C" NOT NULL,
    n       bigint NOT NULL,
    PRIMARY KEY (quarter, outcome)
);
