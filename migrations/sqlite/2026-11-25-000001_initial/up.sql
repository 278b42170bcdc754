-- Organisations: the platform itself (kind 'platform') and its trusted partners.
CREATE TABLE organisations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('platform', 'partner')),
    trusted_flagger BOOLEAN NOT NULL DEFAULT 0,
    designating_authority TEXT,
    designated_on DATE,
    expertise TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    locale TEXT,
    disabled_at TIMESTAMP,
    -- Who disabled the account: a partner admin may not undo what the platform decided.
    disabled_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX users_organisation ON users (organisation_id);

-- Only the SHA-256 of the session cookie is stored, so a database leak does not hand out sessions.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- The reference is random (ESC-<year>-<7 symbols>), so it reveals nothing about other organisations' volumes.
CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    filed_by BIGINT NOT NULL REFERENCES users (id),
    assignee_id BIGINT REFERENCES users (id),
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    urgency TEXT NOT NULL,
    priority TEXT NOT NULL,
    ground TEXT NOT NULL,
    explanation TEXT NOT NULL,
    age_band TEXT NOT NULL,
    partner_reference TEXT,
    external_references TEXT,
    authorities_involved BOOLEAN NOT NULL,
    authorities_details TEXT,
    good_faith_version TEXT NOT NULL,
    good_faith_at TIMESTAMP NOT NULL,
    search_text TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    contested_at TIMESTAMP,
    closed_at TIMESTAMP
);
CREATE INDEX cases_org_id ON cases (organisation_id, id);
CREATE INDEX cases_org_priority ON cases (organisation_id, priority, id);
CREATE INDEX cases_priority ON cases (priority, id);
CREATE INDEX cases_status ON cases (status, id);
CREATE INDEX cases_assignee ON cases (assignee_id, id);
CREATE INDEX cases_filed_by ON cases (filed_by, id);

CREATE TABLE reported_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    position INTEGER NOT NULL,
    locator_kind TEXT NOT NULL,
    locator TEXT NOT NULL,
    content_type TEXT NOT NULL,
    seen_at TIMESTAMP NOT NULL,
    outcome TEXT,
    reasons TEXT,
    automated BOOLEAN,
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP,
    UNIQUE (case_id, position)
);

-- One timeline per case: messages, internal notes and every recorded event, in id order.
CREATE TABLE case_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    actor_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    internal BOOLEAN NOT NULL,
    body TEXT,
    detail TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);

-- The platform's own organisation: staff (liaisons, platform admins) belong to it.
INSERT INTO organisations (name, kind, created_at) VALUES ('Platform', 'platform', CURRENT_TIMESTAMP);
