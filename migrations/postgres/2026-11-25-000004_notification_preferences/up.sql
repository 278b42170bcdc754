-- The kinds of email a user turned off, as ",kind,kind," (security emails cannot be turned off).
ALTER TABLE users ADD COLUMN muted_notifications TEXT NOT NULL DEFAULT '';
