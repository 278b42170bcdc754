-- What a person sees of their own sessions: when each was last used, from which device and
-- address. A session unused for session_idle_minutes ends.
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMP;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN ip_address TEXT;
UPDATE sessions SET last_seen_at = created_at;
