ALTER TABLE notifications DROP COLUMN to_address;
CREATE TABLE account_tokens_previous (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO account_tokens_previous (id, user_id, purpose, token_hash, expires_at, used_at, created_at)
    SELECT id, user_id, purpose, token_hash, expires_at, used_at, created_at FROM account_tokens
    WHERE purpose <> 'email_change';
DROP TABLE account_tokens;
ALTER TABLE account_tokens_previous RENAME TO account_tokens;
CREATE INDEX account_tokens_user ON account_tokens (user_id);
