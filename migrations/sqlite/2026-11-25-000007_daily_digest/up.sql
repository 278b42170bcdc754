-- A user may take case emails once a day, in one summary, instead of one by one. Urgent cases
-- and security emails never wait.
ALTER TABLE users ADD COLUMN daily_digest BOOLEAN NOT NULL DEFAULT 0;

-- What a daily summary will list: written in the same transaction as the event, like an email,
-- and bundled into one digest notification (digest_id) at the digest hour.
CREATE TABLE digest_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id BIGINT NOT NULL REFERENCES users (id),
    case_id BIGINT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    digest_id BIGINT REFERENCES notifications (id)
);
CREATE INDEX digest_entries_waiting ON digest_entries (digest_id, created_at);
CREATE INDEX digest_entries_recipient ON digest_entries (recipient_id, digest_id);
