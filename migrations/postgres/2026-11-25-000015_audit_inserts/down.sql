DROP TRIGGER audit_head_no_insert ON audit_head;
DROP TRIGGER audit_log_insert_at_head ON audit_log;
DROP FUNCTION audit_log_at_head();
