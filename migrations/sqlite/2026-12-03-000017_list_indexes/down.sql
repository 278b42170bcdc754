DROP INDEX cases_retention;
CREATE INDEX cases_closed_at ON cases (closed_at);
DROP INDEX users_role;
DROP INDEX cases_status_priority;
DROP INDEX cases_category_priority;
DROP INDEX cases_category;
DROP INDEX cases_open_priority;
DROP INDEX cases_open;
ALTER TABLE cases DROP COLUMN is_open;
