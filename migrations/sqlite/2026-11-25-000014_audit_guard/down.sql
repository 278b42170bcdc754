DROP TRIGGER audit_head_forward_only;
DROP TRIGGER audit_head_no_delete;
