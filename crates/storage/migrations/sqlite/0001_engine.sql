-- The indicator engine: units, frameworks, figures and the derived status spans.
-- Dates are ISO-8601 text (YYYY-MM-DD), which sorts chronologically; timestamps are UTC ISO text.
-- Keep in step with ../postgres/0001_engine.sql: only the identity columns and the shape check differ.

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    parent_id   BIGINT REFERENCES units (id),
    valid_from  TEXT,
    valid_until TEXT
);
CREATE INDEX units_parent ON units (parent_id);

-- Every unit with each of its ancestors and itself (depth 0), so a roll-up is one join.
CREATE TABLE unit_ancestors (
    ancestor_id BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    unit_id     BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    depth       BIGINT NOT NULL,
    PRIMARY KEY (ancestor_id, unit_id)
);
CREATE INDEX unit_ancestors_unit ON unit_ancestors (unit_id);

CREATE TABLE frameworks (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL,
    version      BIGINT NOT NULL,
    name         TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end   TEXT NOT NULL,
    -- The framework file as loaded: the one source of the rules.
    source       TEXT NOT NULL,
    loaded_at    TEXT NOT NULL,
    UNIQUE (code, version)
);

CREATE TABLE framework_groups (
    id           INTEGER PRIMARY KEY,
    framework_id BIGINT NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    code         TEXT NOT NULL,
    name         TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    position     BIGINT NOT NULL,
    UNIQUE (framework_id, code)
);

CREATE TABLE indicators (
    id           INTEGER PRIMARY KEY,
    framework_id BIGINT NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    group_id     BIGINT NOT NULL REFERENCES framework_groups (id) ON DELETE CASCADE,
    code         TEXT NOT NULL,
    name         TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    measure      TEXT NOT NULL,
    target       TEXT NOT NULL,
    deadline     TEXT NOT NULL,
    position     BIGINT NOT NULL,
    UNIQUE (framework_id, code)
);

-- A unit excused from an indicator, with the reason its reviewer accepted.
CREATE TABLE exclusions (
    unit_id      BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    indicator_id BIGINT NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
    reason       TEXT NOT NULL,
    PRIMARY KEY (unit_id, indicator_id)
);

CREATE TABLE observations (
    id                 INTEGER PRIMARY KEY,
    unit_id            BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    indicator_id       BIGINT NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
    observed_on        TEXT NOT NULL,
    -- Exactly one shape: yes/no, an amount in thousandths, or numerator/denominator.
    yes_no             BOOLEAN,
    amount_thousandths BIGINT,
    numerator          BIGINT,
    denominator        BIGINT,
    planned_by         TEXT,
    note               TEXT NOT NULL DEFAULT '',
    recorded_at        TEXT NOT NULL,
    CHECK ((yes_no IS NOT NULL) + (amount_thousandths IS NOT NULL) + (numerator IS NOT NULL) = 1
           AND (numerator IS NULL) = (denominator IS NULL))
);
CREATE INDEX observations_history ON observations (unit_id, indicator_id, observed_on, id);

-- Derived: each indicator's status for each unit as spans of days [valid_from, valid_until),
-- rewritten in the same transaction as any figure or exclusion it depends on.
CREATE TABLE indicator_status (
    unit_id        BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    indicator_id   BIGINT NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
    framework_id   BIGINT NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    group_id       BIGINT NOT NULL REFERENCES framework_groups (id) ON DELETE CASCADE,
    valid_from     TEXT NOT NULL,
    valid_until    TEXT NOT NULL,
    status         TEXT NOT NULL,
    reason_vi      TEXT NOT NULL,
    reason_en      TEXT NOT NULL,
    observation_id BIGINT REFERENCES observations (id) ON DELETE SET NULL,
    PRIMARY KEY (unit_id, indicator_id, valid_from)
);
CREATE INDEX indicator_status_rollup ON indicator_status (framework_id, unit_id, valid_from);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
