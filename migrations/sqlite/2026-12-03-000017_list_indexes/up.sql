-- The lists read their pages straight from an index in the order shown, whatever the filter:
-- open cases (the staff queue), one category, one status, newest first or most urgent first.
ALTER TABLE cases ADD COLUMN is_open BOOLEAN
    GENERATED ALWAYS AS (status NOT IN ('closed', 'withdrawn')) VIRTUAL;
CREATE INDEX cases_open ON cases (is_open, id);
CREATE INDEX cases_open_priority ON cases (is_open, priority, id);
CREATE INDEX cases_category ON cases (category, id);
CREATE INDEX cases_category_priority ON cases (category, priority, id);
CREATE INDEX cases_status_priority ON cases (status, priority, id);
-- The assignee filter lists staff by name.
CREATE INDEX users_role ON users (role, display_name);
-- Retention looks for cases not yet anonymised, oldest closing first: without the first
-- column it walked past every case it had already emptied.
DROP INDEX cases_closed_at;
CREATE INDEX cases_retention ON cases (anonymised_at, closed_at);
