DROP TABLE audit_pending;
DROP INDEX audit_log_sealed_from;
ALTER TABLE audit_log DROP COLUMN sealed_from;
