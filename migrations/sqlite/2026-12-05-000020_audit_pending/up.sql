-- Audit records waiting for their place on the chain. On PostgreSQL actions on different cases
-- run side by side: each inserts its record here, in its own transaction, and the records are
-- moved onto the chain (audit_log, through its head, in the order they are taken) as soon as
-- the action has committed, in a short transaction of their own that seals every waiting
-- record at once. SQLite runs one writer at a time and chains each record in its action's own
-- transaction: there this table stays empty.
CREATE TABLE audit_pending (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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

-- A waiting record is never changed, and leaves only onto the chain: the chained record names
-- the waiting one it came from (once), and deleting a waiting record that no chained record
-- names is refused, like any change to the chain itself.
ALTER TABLE audit_log ADD COLUMN sealed_from BIGINT;
CREATE UNIQUE INDEX audit_log_sealed_from ON audit_log (sealed_from) WHERE sealed_from IS NOT NULL;

CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending
BEGIN
    SELECT RAISE(ABORT, 'a waiting audit record leaves only onto the chain');
END;
CREATE TRIGGER audit_pending_onto_the_chain_only BEFORE DELETE ON audit_pending
WHEN NOT EXISTS (SELECT 1 FROM audit_log WHERE sealed_from = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'a waiting audit record leaves only onto the chain');
END;
