-- Every word in some case's search text. A typed word is matched as the start of words; the
-- full-text index answers whole words from their postings, but the start of a word by first
-- collecting every posting of every word it starts. This list turns a typed start into the few
-- whole words it starts, looked up in byte order.
CREATE TABLE search_terms (term TEXT COLLATE "C" PRIMARY KEY);
INSERT INTO search_terms (term)
    SELECT DISTINCT word FROM cases, unnest(string_to_array(search_text, ' ')) AS word WHERE word <> ''
    ON CONFLICT DO NOTHING;
-- Whole words are now what is searched for: enough statistics on the index's words that the
-- planner tells a word in thousands of cases (read the newest cases, test each) from a word in
-- a handful (ask the index). With the default, every word outside the most common hundred
-- was guessed to be in two thousand cases.
ALTER TABLE cases ALTER COLUMN search_vector SET STATISTICS 1000;
ANALYZE cases;
