-- Evidence files. A file is stored once per SHA-256 (in `attachment_blobs`, or in the
-- configured directory under that name), never under the name the uploader gave it; each
-- attachment row says which case and timeline entry carry it. Purging deletes the file and
-- keeps the row (its hash, who purged it and when).
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    event_id BIGINT NOT NULL REFERENCES case_events (id),
    internal BOOLEAN NOT NULL,
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    size BIGINT NOT NULL,
    name TEXT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    purged_at TIMESTAMP,
    purged_by BIGINT REFERENCES users (id)
);
CREATE INDEX attachments_case ON attachments (case_id, id);
CREATE INDEX attachments_sha256 ON attachments (sha256);

CREATE TABLE attachment_blobs (
    sha256 TEXT PRIMARY KEY NOT NULL,
    content BLOB NOT NULL
);
