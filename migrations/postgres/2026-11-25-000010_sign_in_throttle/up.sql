-- Failed sign-ins per account (by the email typed, whether or not an account has it, so the
-- answer never tells) and per client address: growing waits, then a lock. Shared by every
-- instance.
CREATE TABLE sign_in_failures (
    subject TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);
