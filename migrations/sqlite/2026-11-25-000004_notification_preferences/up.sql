-- The kinds of email a user turned off, as ",kind,kind," (security emails cannot be turned off).
ALTER TABLE users ADD COLUMN muted_notifications TEXT NOT NULL DEFAULT '';

-- The categories a liaison follows for new cases, as ",code,code,"; empty follows every category.
ALTER TABLE users ADD COLUMN followed_categories TEXT NOT NULL DEFAULT '';
