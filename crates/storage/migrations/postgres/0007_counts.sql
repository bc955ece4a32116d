-- Derived: how many indicators of each status a unit and every unit under it have, per
-- indicator, as spans of days [valid_from, valid_until). Only non-zero counts are kept; a day no
-- row covers counts nothing. Rewritten in the same transaction as the status spans it sums, so a
-- roll-up for any date reads a few rows per unit instead of every span below it.
-- Keep in step with ../sqlite/0007_counts.sql: identical.

CREATE TABLE status_counts (
    framework_id   BIGINT NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    unit_id        BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    indicator_id   BIGINT NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
    group_id       BIGINT NOT NULL REFERENCES framework_groups (id) ON DELETE CASCADE,
    valid_from     TEXT NOT NULL,
    valid_until    TEXT NOT NULL,
    achieved       BIGINT NOT NULL,
    in_progress    BIGINT NOT NULL,
    not_achieved   BIGINT NOT NULL,
    no_data        BIGINT NOT NULL,
    not_applicable BIGINT NOT NULL,
    -- By end day first: a roll-up on a date reads only the spans that end after it.
    PRIMARY KEY (framework_id, unit_id, valid_until, indicator_id)
);
