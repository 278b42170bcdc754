DROP TRIGGER cases_fts_delete;
DROP TRIGGER cases_fts_update;
DROP TRIGGER cases_fts_insert;
DROP TABLE cases_fts;
CREATE VIRTUAL TABLE cases_fts USING fts5(
    search_text, content = 'cases', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO cases_fts (cases_fts) VALUES ('rebuild');
CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN
    INSERT INTO cases_fts (rowid, search_text) VALUES (NEW.id, NEW.search_text);
END;
CREATE TRIGGER cases_fts_update AFTER UPDATE OF search_text ON cases BEGIN
    INSERT INTO cases_fts (cases_fts, rowid, search_text) VALUES ('delete', OLD.id, OLD.search_text);
    INSERT INTO cases_fts (rowid, search_text) VALUES (NEW.id, NEW.search_text);
END;
CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN
    INSERT INTO cases_fts (cases_fts, rowid, search_text) VALUES ('delete', OLD.id, OLD.search_text);
END;
