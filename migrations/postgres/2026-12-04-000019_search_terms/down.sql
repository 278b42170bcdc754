ALTER TABLE cases ALTER COLUMN search_vector SET STATISTICS -1;
DROP TABLE search_terms;
