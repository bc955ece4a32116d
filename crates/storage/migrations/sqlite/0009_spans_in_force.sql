-- The spans in force on a day, read from the index alone. Every view of many units (a league
-- table, the matrix, the readiness of sub-units, meeting snapshots) asks for the span of each
-- unit and indicator that covers one day. The old index, by first day, made such a read visit
-- every earlier span and then the table row of each (its end day and status were not in the
-- index): on the last day of a year of monthly figures, thirteen spans and rows per indicator.
-- By end day first, a read for a day visits only the spans that end after it (for "today", one
-- per indicator), and finds the status and the figure it rests on in the same entry.
-- Keep in step with ../postgres/0009_spans_in_force.sql: identical.

DROP INDEX indicator_status_rollup;
CREATE INDEX indicator_status_in_force ON indicator_status
    (framework_id, unit_id, valid_until, valid_from, indicator_id, status, observation_id);
