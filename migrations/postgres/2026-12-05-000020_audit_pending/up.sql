-- Audit records waiting for their place on the chain. On PostgreSQL actions on different cases
-- run side by side: each inserts its record here, in its own transaction, and the records are
-- moved onto the chain (audit_log, through its head, in the order they are taken) as soon as
-- the action has committed, in a short transaction of their own that seals every waiting
-- record at once. SQLite runs one writer at a time and chains each record in its action's own
-- transaction: there this table stays empty.
CREATE TABLE audit_pending (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor_id BIGINT,
    organisation_id BIGINT,
    case_id BIGINT,
    subject_id BIGINT,
    action TEXT NOT NULL,
    internal BOOLEAN NOT NULL,
    detail TEXT,
    address TEXT
);
