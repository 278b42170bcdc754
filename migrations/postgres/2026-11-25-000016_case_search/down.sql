DROP INDEX cases_search;
ALTER TABLE cases DROP COLUMN search_vector;
