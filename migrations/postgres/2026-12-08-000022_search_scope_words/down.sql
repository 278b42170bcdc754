ALTER TABLE cases DROP COLUMN search_vector;
ALTER TABLE cases ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', search_text) || array_to_tsvector(ARRAY['~' || organisation_id::text])
) STORED;
CREATE INDEX cases_search ON cases USING GIN (search_vector);
ALTER TABLE cases ALTER COLUMN search_vector SET STATISTICS 1000;
ANALYZE cases;
