-- Every word in some case's search text. A typed word is matched as the start of words; the
-- full-text index answers whole words by reading their postings newest first, but the start of
-- a word by first collecting every posting of every word it starts. This list turns a typed
-- start into the few whole words it starts, looked up in order.
CREATE TABLE search_terms (term TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO search_terms (term)
    WITH RECURSIVE split (rest, word) AS (
        SELECT search_text || ' ', '' FROM cases WHERE search_text <> ''
        UNION ALL
        SELECT substr(rest, instr(rest, ' ') + 1), substr(rest, 1, instr(rest, ' ') - 1) FROM split WHERE rest <> ''
    )
    SELECT word FROM split WHERE word <> '';
