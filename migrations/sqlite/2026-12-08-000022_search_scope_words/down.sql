DROP TRIGGER cases_fts_delete;
DROP TRIGGER cases_fts_update;
DROP TRIGGER cases_fts_insert;
DROP TABLE cases_fts;
ALTER TABLE cases DROP COLUMN search_scope;
CREATE VIRTUAL TABLE cases_fts USING fts5(
    search_text, organisation_id,
    content = 'cases', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO cases_fts (cases_fts) VALUES ('rebuild');
INSERT INTO cases_fts (cases_fts, rank) VALUES ('usermerge', 2);
CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN
    INSERT INTO cases_fts (rowid, search_text, organisation_id) VALUES (NEW.id, NEW.search_text, NEW.organisation_id);
END;
CREATE TRIGGER cases_fts_update AFTER UPDATE OF search_text, organisation_id ON cases BEGIN
    INSERT INTO cases_fts (cases_fts, rowid, search_text, organisation_id)
        VALUES ('delete', OLD.id, OLD.search_text, OLD.organisation_id);
    INSERT INTO cases_fts (rowid, search_text, organisation_id) VALUES (NEW.id, NEW.search_text, NEW.organisation_id);
END;
CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN
    INSERT INTO cases_fts (cases_fts, rowid, search_text, organisation_id)
        VALUES ('delete', OLD.id, OLD.search_text, OLD.organisation_id);
END;
