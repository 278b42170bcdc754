ALTER TABLE cases DROP COLUMN scope_vector;
