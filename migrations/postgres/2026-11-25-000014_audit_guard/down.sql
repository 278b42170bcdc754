DROP TRIGGER audit_head_no_truncate ON audit_head;
DROP TRIGGER audit_head_guard ON audit_head;
DROP FUNCTION audit_head_forward_only();
DROP TRIGGER audit_log_no_truncate ON audit_log;
