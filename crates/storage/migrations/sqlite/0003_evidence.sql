-- Evidence for figures (files stored by content hash, links, cited documents) and the
-- exclusion requests a reviewer decides on.
-- Keep in step with ../postgres/0003_evidence.sql: only the identity columns differ.

CREATE TABLE evidence (
    id             INTEGER PRIMARY KEY,
    observation_id BIGINT NOT NULL REFERENCES observations (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('file', 'link', 'document')),
    title          TEXT NOT NULL DEFAULT '',
    -- link
    url            TEXT,
    -- file: the SHA-256 of the content names it in the file store
    content_hash   TEXT,
    media_type     TEXT,
    size_bytes     BIGINT,
    file_name      TEXT,
    -- cited document (văn bản): number, date, issuer
    doc_number     TEXT,
    doc_date       TEXT,
    issuer         TEXT,
    created_at     TEXT NOT NULL,
    created_by     BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX evidence_observation ON evidence (observation_id);

CREATE TABLE exclusion_requests (
    id            INTEGER PRIMARY KEY,
    unit_id       BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    indicator_id  BIGINT NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
    reason        TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'refused')),
    requested_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    requested_at  TEXT NOT NULL,
    decided_by    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_at    TEXT,
    decision_note TEXT
);
CREATE INDEX exclusion_requests_unit ON exclusion_requests (unit_id, state);
