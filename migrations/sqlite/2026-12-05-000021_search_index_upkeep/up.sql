-- The server's upkeep of the full-text index (`db::tidy_search_index`) merges any two parts of
-- the index of one size, where FTS5's merging as it writes waits for four: a search reads each
-- part, so fewer of them means faster searches.
INSERT INTO cases_fts (cases_fts, rank) VALUES ('usermerge', 2);
