-- Reporting periods with deadlines, submissions and their review, per-indicator returns, and
-- unlocks of accepted data.
-- Keep in step with ../postgres/0004_submissions.sql: only the identity columns differ.

CREATE TABLE periods (
    id           INTEGER PRIMARY KEY,
    framework_id BIGINT NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    code         TEXT NOT NULL,
    name         TEXT NOT NULL,
    starts_on    TEXT NOT NULL,
    ends_on      TEXT NOT NULL,
    deadline     TEXT NOT NULL,
    UNIQUE (framework_id, code)
);

CREATE TABLE submissions (
    id           INTEGER PRIMARY KEY,
    unit_id      BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    period_id    BIGINT NOT NULL REFERENCES periods (id) ON DELETE CASCADE,
    state        TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'accepted')),
    submitted_on TEXT,
    submitted_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    late         BOOLEAN NOT NULL DEFAULT FALSE,
    decided_at   TEXT,
    decided_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- The figures in force at the latest submission and at the one before, as JSON
    -- {indicator: {"id", "version", "value"}}: what changed between them is shown to the reviewer.
    snapshot          TEXT,
    previous_snapshot TEXT,
    UNIQUE (unit_id, period_id)
);

CREATE TABLE submission_returns (
    submission_id  BIGINT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    indicator_code TEXT NOT NULL,
    reason         TEXT NOT NULL,
    PRIMARY KEY (submission_id, indicator_code)
);

CREATE TABLE unlocks (
    submission_id  BIGINT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    indicator_code TEXT NOT NULL,
    reason         TEXT NOT NULL,
    unlocked_by    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    unlocked_at    TEXT NOT NULL,
    PRIMARY KEY (submission_id, indicator_code)
);
