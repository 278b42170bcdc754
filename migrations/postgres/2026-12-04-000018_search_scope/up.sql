-- The full-text index also holds each case's organisation, as a lexeme no typed word can be
-- ('~' and the organisation's id), so a partner's search is answered by the index from their
-- own organisation's cases instead of every case in the database that matches.
ALTER TABLE cases DROP COLUMN search_vector;
ALTER TABLE cases ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', search_text) || array_to_tsvector(ARRAY['~' || organisation_id::text])
) STORED;
CREATE INDEX cases_search ON cases USING GIN (search_vector);
