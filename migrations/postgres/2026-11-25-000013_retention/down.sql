DROP INDEX cases_closed_at;
ALTER TABLE cases DROP COLUMN anonymised_at;
ALTER TABLE cases DROP COLUMN legal_hold;
ALTER TABLE users DROP COLUMN deleted_at;
ALTER TABLE organisations DROP COLUMN deleted_at;
