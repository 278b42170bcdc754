-- A record enters only at the head (the number the head just took, chained to the hash it
-- holds), so INSERT OR REPLACE cannot rewrite one; the head is never inserted again, and its hash
-- only ever becomes the hash of its last record.
CREATE TRIGGER audit_log_insert_at_head BEFORE INSERT ON audit_log
WHEN NEW.id <> (SELECT last_id FROM audit_head WHERE id = 1)
  OR NEW.prev_hash <> (SELECT last_hash FROM audit_head WHERE id = 1)
BEGIN SELECT RAISE(ABORT, 'audit records are appended at the head only'); END;
CREATE TRIGGER audit_head_no_insert BEFORE INSERT ON audit_head
BEGIN SELECT RAISE(ABORT, 'the audit trail has one head'); END;
DROP TRIGGER audit_head_forward_only;
CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
WHEN NEW.id <> OLD.id
  OR NOT ((NEW.last_id = OLD.last_id + 1 AND NEW.last_hash = OLD.last_hash)
          OR (NEW.last_id = OLD.last_id
              AND NEW.last_hash = (SELECT hash FROM audit_log WHERE id = NEW.last_id)))
BEGIN SELECT RAISE(ABORT, 'the audit trail head only moves forward'); END;
