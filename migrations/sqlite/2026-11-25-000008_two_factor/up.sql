-- Two-factor sign-in (TOTP, RFC 6238). The secret being enrolled waits in totp_pending_secret
-- until a code from it is typed; totp_last_step is the last time step accepted, so a code works
-- once.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- Ten single-use recovery codes per enrolled user, stored as SHA-256 hashes.
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- A partner organisation's admin may require two-factor sign-in of its members.
ALTER TABLE organisations ADD COLUMN require_two_factor BOOLEAN NOT NULL DEFAULT 0;

-- The platform's own rules; one row. Staff always need two-factor sign-in, whatever this says.
CREATE TABLE platform_policy (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    two_factor_everywhere BOOLEAN NOT NULL
);
INSERT INTO platform_policy (id, two_factor_everywhere) VALUES (1, 0);

-- A session is 'full', waits for a second factor ('second_factor'), or may only enrol one
-- ('enrol'). second_factor_at is when a code was last typed in it.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full';
ALTER TABLE sessions ADD COLUMN second_factor_at TIMESTAMP;
ALTER TABLE sessions ADD COLUMN code_attempts INTEGER NOT NULL DEFAULT 0;
