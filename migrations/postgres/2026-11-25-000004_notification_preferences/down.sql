ALTER TABLE users DROP COLUMN muted_notifications;
ALTER TABLE users DROP COLUMN followed_categories;
