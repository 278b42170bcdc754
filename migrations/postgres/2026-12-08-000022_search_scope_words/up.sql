-- A partner's search reads only their own organisation's postings: each word of a case is also
-- kept scoped to the case's organisation, as the lexeme `~organisation~word`, in a search vector
-- of its own (`array_to_tsvector` keeps it whole; no typed word holds `~`). Before, a search
-- intersected the words with the lexeme `~organisation`, reading every posting of a common word
-- in the database; a scoped word has only the organisation's own. A scoped word keeps at most
-- 200 characters (a lexeme holds at most 2,047 bytes); a search cuts its words the same way
-- (`domain::search::SCOPED_WORD_CHARS`). The column keeps the default statistics: a partner's
-- search is also bounded by the organisation's own cases, so no plan for it reads the whole
-- table, and planning stays short (`search_vector`'s larger target costs about 2 ms a plan).
ALTER TABLE cases ADD COLUMN scope_vector tsvector GENERATED ALWAYS AS (
    array_to_tsvector(string_to_array(
        CASE WHEN search_text = '' THEN ''
        ELSE '~' || organisation_id::text || '~' || replace(
            regexp_replace(search_text, '(\S{200})\S+', '\1', 'g'), ' ', ' ~' || organisation_id::text || '~'
        ) END,
        ' '
    ))
) STORED;
CREATE INDEX cases_scope_search ON cases USING GIN (scope_vector);
ANALYZE cases;
