DROP TABLE case_events;
DROP TABLE reported_items;
DROP TABLE cases;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE organisations;
