-- Changing one's email address: a single-use link to the new address confirms it. SQLite cannot
-- change a CHECK constraint, so the table is rebuilt with the new purpose and the address.
CREATE TABLE account_tokens_next (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset', 'email_change')),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    -- The address an email-change link confirms.
    new_email TEXT
);
INSERT INTO account_tokens_next (id, user_id, purpose, token_hash, expires_at, used_at, created_at)
    SELECT id, user_id, purpose, token_hash, expires_at, used_at, created_at FROM account_tokens;
DROP TABLE account_tokens;
ALTER TABLE account_tokens_next RENAME TO account_tokens;
CREATE INDEX account_tokens_user ON account_tokens (user_id);

-- Where an email goes when it is not the recipient's current address: a confirmation to a new
-- address, or the notice of a change to the old one.
ALTER TABLE notifications ADD COLUMN to_address TEXT;
