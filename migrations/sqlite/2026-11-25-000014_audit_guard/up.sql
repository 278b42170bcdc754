-- The trail's guards, completed: the head only moves forward, one record at a time, and is
-- never deleted (SQLite has no TRUNCATE; DELETE is refused on the trail already).
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'the audit trail head only moves forward'); END;
CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
WHEN NEW.id <> OLD.id
  OR NOT ((NEW.last_id = OLD.last_id + 1 AND NEW.last_hash = OLD.last_hash) OR NEW.last_id = OLD.last_id)
BEGIN SELECT RAISE(ABORT, 'the audit trail head only moves forward'); END;
