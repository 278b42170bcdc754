-- SQLite's full-text index is merged by the server's upkeep (`db::tidy_search_index`), whose
-- setting its migration of this name makes; PostgreSQL keeps its GIN index itself.
SELECT 1;
