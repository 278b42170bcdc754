ALTER TABLE sessions DROP COLUMN code_attempts;
ALTER TABLE sessions DROP COLUMN second_factor_at;
ALTER TABLE sessions DROP COLUMN stage;
DROP TABLE platform_policy;
ALTER TABLE organisations DROP COLUMN require_two_factor;
DROP TABLE recovery_codes;
ALTER TABLE users DROP COLUMN totp_last_step;
ALTER TABLE users DROP COLUMN totp_pending_secret;
ALTER TABLE users DROP COLUMN totp_secret;
