-- The outbox: one row per email to send, written in the same transaction as the event that
-- causes it, delivered by a background worker that claims rows with a lease.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id BIGINT NOT NULL REFERENCES users (id),
    case_id BIGINT REFERENCES cases (id),
    kind TEXT NOT NULL,
    urgent BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    leased_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
