ALTER TABLE users DROP COLUMN muted_notifications;
