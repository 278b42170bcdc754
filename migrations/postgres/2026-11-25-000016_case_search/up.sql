-- Full-text search over each case's search text (reference, explanation, partner reference,
-- reported items): words as Passerelle writes them (lower case, punctuation as spaces), a GIN
-- index over them.
UPDATE cases SET search_text = btrim(regexp_replace(lower(search_text), '[^[:alnum:]]+', ' ', 'g'));
ALTER TABLE cases ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED;
CREATE INDEX cases_search ON cases USING GIN (search_vector);
