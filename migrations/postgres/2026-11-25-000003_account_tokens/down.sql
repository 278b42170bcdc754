DROP TABLE account_tokens;
ALTER TABLE notifications DROP COLUMN secret;
