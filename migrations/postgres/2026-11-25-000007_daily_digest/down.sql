DROP TABLE digest_entries;
ALTER TABLE users DROP COLUMN daily_digest;
