-- A record enters only at the head (the number the head just took, chained to the hash it
-- holds); the head is never inserted again, and its hash only ever becomes the hash of its last
-- record.
CREATE FUNCTION audit_log_at_head() RETURNS trigger AS $$
DECLARE
    head audit_head%ROWTYPE;
BEGIN
    SELECT * INTO head FROM audit_head WHERE id = 1;
    IF head.id IS NULL OR NEW.id <> head.last_id OR NEW.prev_hash <> head.last_hash THEN
        RAISE EXCEPTION 'audit records are appended at the head only';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_insert_at_head BEFORE INSERT ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_at_head();

CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR NEW.id <> OLD.id
       OR NOT ((NEW.last_id = OLD.last_id + 1 AND NEW.last_hash = OLD.last_hash)
               OR (NEW.last_id = OLD.last_id
                   AND NEW.last_hash = (SELECT hash FROM audit_log WHERE id = NEW.last_id))) THEN
        RAISE EXCEPTION 'the audit trail head only moves forward';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_head_no_insert BEFORE INSERT ON audit_head
FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only();
