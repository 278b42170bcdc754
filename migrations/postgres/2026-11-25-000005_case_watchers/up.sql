-- People who asked to hear about a case besides its filer (partner side) or its assignee
-- (platform side). A partner who writes on a case starts watching it.
CREATE TABLE case_watchers (
    case_id BIGINT NOT NULL REFERENCES cases (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_watchers_user ON case_watchers (user_id);
