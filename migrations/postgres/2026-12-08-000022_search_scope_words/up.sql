-- A partner's search reads only their own organisation's postings. The search vector holds each
-- word of a case twice: as itself, for staff, and as the lexeme `~organisation~word`, for the
-- case's organisation (`array_to_tsvector` keeps it whole; no typed word holds `~`). Before, a
-- search intersected the words with the lexeme `~organisation`, reading every posting of a
-- common word in the database; a scoped word has only the organisation's own. A scoped word
-- keeps at most 200 characters (a lexeme holds at most 2,047 bytes); a search cuts its words
-- the same way (`domain::search::SCOPED_WORD_CHARS`).
ALTER TABLE cases DROP COLUMN search_vector;
ALTER TABLE cases ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', search_text) || array_to_tsvector(string_to_array(
        CASE WHEN search_text = '' THEN ''
        ELSE '~' || organisation_id::text || '~' || replace(
            regexp_replace(search_text, '(\S{200})\S+', '\1', 'g'), ' ', ' ~' || organisation_id::text || '~'
        ) END,
        ' '
    ))
) STORED;
CREATE INDEX cases_search ON cases USING GIN (search_vector);
-- The new column starts from the default statistics: as many as `search_terms` set on the old
-- one, so the planner still tells a common word from a rare one.
ALTER TABLE cases ALTER COLUMN search_vector SET STATISTICS 1000;
ANALYZE cases;
