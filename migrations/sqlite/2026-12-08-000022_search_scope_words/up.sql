-- A partner's search reads only their own organisation's postings. The full-text index holds
-- each word of a case twice: as itself, for staff, and as `~organisation~word` in the column
-- `search_scope`, for the case's organisation. Intersecting the words with the organisation's
-- cases inside the index read every posting of a common word, a whole database's worth; a
-- scoped word has only the organisation's own. `~` is a character of a word here
-- (`tokenchars`) and never one of a case's search text, so no typed word can be a scoped one.
DROP TRIGGER cases_fts_delete;
DROP TRIGGER cases_fts_update;
DROP TRIGGER cases_fts_insert;
DROP TABLE cases_fts;
ALTER TABLE cases ADD COLUMN search_scope TEXT GENERATED ALWAYS AS (
    CASE WHEN search_text = '' THEN ''
    ELSE '~' || organisation_id || '~' || replace(search_text, ' ', ' ~' || organisation_id || '~') END
) VIRTUAL;
CREATE VIRTUAL TABLE cases_fts USING fts5(
    search_text, search_scope,
    content = 'cases', content_rowid = 'id', tokenize = "unicode61 remove_diacritics 2 tokenchars '~'"
);
INSERT INTO cases_fts (cases_fts) VALUES ('rebuild');
INSERT INTO cases_fts (cases_fts, rank) VALUES ('usermerge', 2);
CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN
    INSERT INTO cases_fts (rowid, search_text, search_scope) VALUES (NEW.id, NEW.search_text, NEW.search_scope);
END;
CREATE TRIGGER cases_fts_update AFTER UPDATE OF search_text, organisation_id ON cases BEGIN
    INSERT INTO cases_fts (cases_fts, rowid, search_text, search_scope)
        VALUES ('delete', OLD.id, OLD.search_text, OLD.search_scope);
    INSERT INTO cases_fts (rowid, search_text, search_scope) VALUES (NEW.id, NEW.search_text, NEW.search_scope);
END;
CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN
    INSERT INTO cases_fts (cases_fts, rowid, search_text, search_scope)
        VALUES ('delete', OLD.id, OLD.search_text, OLD.search_scope);
END;
