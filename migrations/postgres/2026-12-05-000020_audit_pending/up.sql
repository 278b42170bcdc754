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

-- A waiting record is never changed, and leaves only onto the chain: the chained record names
-- the waiting one it came from (once), and deleting a waiting record that no chained record
-- names is refused, like any change to the chain itself.
ALTER TABLE audit_log ADD COLUMN sealed_from BIGINT;
CREATE UNIQUE INDEX audit_log_sealed_from ON audit_log (sealed_from) WHERE sealed_from IS NOT NULL;

CREATE FUNCTION audit_pending_onto_the_chain_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_log WHERE sealed_from = OLD.id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'a waiting audit record leaves only onto the chain';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_pending_guard BEFORE UPDATE OR DELETE ON audit_pending
FOR EACH ROW EXECUTE FUNCTION audit_pending_onto_the_chain_only();
CREATE TRIGGER audit_pending_no_truncate BEFORE TRUNCATE ON audit_pending
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
