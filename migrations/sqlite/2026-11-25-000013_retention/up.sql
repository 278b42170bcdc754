-- Retention: a closed case is anonymised some months after closing unless a legal hold stops it.
-- Deleted users and organisations keep their row (cases still count them), emptied of who they were.
ALTER TABLE cases ADD COLUMN legal_hold BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN anonymised_at TIMESTAMP;
CREATE INDEX cases_closed_at ON cases (closed_at);
ALTER TABLE users ADD COLUMN deleted_at TIMESTAMP;
ALTER TABLE organisations ADD COLUMN deleted_at TIMESTAMP;
