INSERT INTO cases_fts (cases_fts, rank) VALUES ('usermerge', 4);
