DROP TRIGGER cases_fts_delete;
DROP TRIGGER cases_fts_update;
DROP TRIGGER cases_fts_insert;
DROP TABLE cases_fts;
