DROP TRIGGER audit_head_forward_only;
CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
WHEN NEW.id <> OLD.id
  OR NOT ((NEW.last_id = OLD.last_id + 1 AND NEW.last_hash = OLD.last_hash) OR NEW.last_id = OLD.last_id)
BEGIN SELECT RAISE(ABORT, 'the audit trail head only moves forward'); END;
DROP TRIGGER audit_head_no_insert;
DROP TRIGGER audit_log_insert_at_head;
