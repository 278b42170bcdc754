DROP TABLE audit_pending;
DROP FUNCTION audit_pending_onto_the_chain_only();
DROP INDEX audit_log_sealed_from;
ALTER TABLE audit_log DROP COLUMN sealed_from;
