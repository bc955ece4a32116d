-- Accounts, sessions, API tokens, sign-in attempts and the audit log; figures get a version
-- (optimistic concurrency) and their author.
-- Keep in step with ../postgres/0002_accounts.sql: only the identity columns and triggers differ.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL DEFAULT '',
    organisation  TEXT,
    password_hash TEXT NOT NULL,
    lang          TEXT NOT NULL DEFAULT 'vi',
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TEXT NOT NULL
);

-- A role over a unit and everything under it (no unit for admin).
CREATE TABLE user_roles (
    id      INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL,
    unit_id BIGINT REFERENCES units (id) ON DELETE CASCADE,
    UNIQUE (user_id, role, unit_id)
);

-- Only a hash of each session token is kept, so a copy of the database opens no session.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    address    TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL
);

CREATE TABLE login_attempts (
    id           INTEGER PRIMARY KEY,
    username     TEXT NOT NULL,
    address      TEXT NOT NULL,
    attempted_at TEXT NOT NULL,
    succeeded    BOOLEAN NOT NULL
);
CREATE INDEX login_attempts_username ON login_attempts (username, attempted_at);
CREATE INDEX login_attempts_address ON login_attempts (address, attempted_at);

-- Append-only: the application has no statement that changes or removes a row, and the
-- database refuses both. Units and indicators are named by code so entries outlive them.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    at             TEXT NOT NULL,
    user_id        BIGINT,
    username       TEXT NOT NULL,
    address        TEXT,
    action         TEXT NOT NULL,
    unit_code      TEXT,
    indicator_code TEXT,
    entity_id      BIGINT,
    old_value      TEXT,
    new_value      TEXT
);
CREATE INDEX audit_log_unit ON audit_log (unit_code, indicator_code, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

ALTER TABLE observations ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE observations ADD COLUMN recorded_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
