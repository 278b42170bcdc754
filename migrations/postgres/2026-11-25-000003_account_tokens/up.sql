-- Single-use links for setting a password: an invitation or a reset. Only the SHA-256 of the
-- token is kept here.
CREATE TABLE account_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX account_tokens_user ON account_tokens (user_id);

-- The raw token of a security email, kept only until the email is sent or given up.
ALTER TABLE notifications ADD COLUMN secret TEXT;
