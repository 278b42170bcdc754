DROP TABLE case_watchers;
