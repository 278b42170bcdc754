-- Two-factor sign-in (TOTP, RFC 6238). totp_last_step is the last time step accepted, so a code
-- works once; totp_failures counts wrong codes in a row across sessions, and past a threshold the
-- account takes no code until totp_locked_until.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE users ADD COLUMN totp_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_locked_until TIMESTAMP;

-- Ten single-use recovery codes per enrolled user, stored as SHA-256 hashes.
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- A partner organisation's admin may require two-factor sign-in of its members, and so may the
-- platform; each keeps its own flag, so neither undoes the other.
ALTER TABLE organisations ADD COLUMN require_two_factor BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE organisations ADD COLUMN platform_requires_two_factor BOOLEAN NOT NULL DEFAULT 0;

-- The platform's own rules; one row. Staff always need two-factor sign-in, whatever this says.
CREATE TABLE platform_policy (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    two_factor_everywhere BOOLEAN NOT NULL
);
INSERT INTO platform_policy (id, two_factor_everywhere) VALUES (1, 0);

-- A session is 'full', waits for a second factor ('second_factor'), or may only enrol one
-- ('enrol'). second_factor_at is when a code was last typed in it. The secret being enrolled
-- belongs to the session that showed it, and dies with it.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full';
ALTER TABLE sessions ADD COLUMN second_factor_at TIMESTAMP;
ALTER TABLE sessions ADD COLUMN code_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN totp_pending_secret TEXT;
