-- Closing the loop: organisations and their members, progress meetings with their frozen
-- snapshot and conclusions, support tasks, trainings, recognition (applications, appraisal,
-- decisions, quotas) and notifications.
-- Keep in step with ../postgres/0006_programme.sql: only the identity columns differ.

-- City departments, telecom operators, steering committees: whoever supports the units under
-- `unit_id` (the city, or the province).
CREATE TABLE organisations (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('department', 'operator', 'committee', 'other')),
    unit_id    BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    -- The groups of indicators it usually supports (JSON array of group codes): a support task
    -- proposed for an indicator of such a group is addressed to it.
    supports   TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);

CREATE TABLE organisation_members (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (organisation_id, user_id)
);
CREATE INDEX organisation_members_user ON organisation_members (user_id);

-- A progress meeting (hội nghị) held by `unit_id` (e.g. the city), reviewing some of its units.
CREATE TABLE meetings (
    id           INTEGER PRIMARY KEY,
    unit_id      BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    framework_id BIGINT NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    held_on      TEXT NOT NULL,
    title        TEXT NOT NULL,
    chair        TEXT NOT NULL,
    place        TEXT NOT NULL DEFAULT '',
    -- Who attended, one per line, as the minutes name them.
    attendees    TEXT NOT NULL DEFAULT '',
    -- The date the snapshot was taken on, and the standing of every unit reviewed then, as JSON:
    -- the meeting reads the same whatever is entered afterwards.
    as_of        TEXT NOT NULL,
    snapshot     TEXT NOT NULL,
    created_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX meetings_unit ON meetings (unit_id, held_on);

CREATE TABLE meeting_units (
    meeting_id BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    unit_id    BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (meeting_id, unit_id)
);

-- The chair's conclusions, in order.
CREATE TABLE conclusions (
    id         INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    text       TEXT NOT NULL,
    UNIQUE (meeting_id, position)
);

-- A support task, assigned to an organisation or to a unit.
CREATE TABLE tasks (
    id                       INTEGER PRIMARY KEY,
    framework_id             BIGINT NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    title                    TEXT NOT NULL,
    description              TEXT NOT NULL DEFAULT '',
    assignee_organisation_id BIGINT REFERENCES organisations (id) ON DELETE CASCADE,
    assignee_unit_id         BIGINT REFERENCES units (id) ON DELETE CASCADE,
    due_on                   TEXT NOT NULL,
    status                   TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
    conclusion_id            BIGINT REFERENCES conclusions (id) ON DELETE SET NULL,
    created_by               BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_on               TEXT NOT NULL,
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL,
    version                  BIGINT NOT NULL DEFAULT 1,
    CHECK (assignee_organisation_id IS NOT NULL OR assignee_unit_id IS NOT NULL)
);
CREATE INDEX tasks_organisation ON tasks (assignee_organisation_id, status);
CREATE INDEX tasks_conclusion ON tasks (conclusion_id);

-- The units a task serves, and the indicators (none: the unit as a whole).
CREATE TABLE task_units (
    task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, unit_id)
);
CREATE INDEX task_units_unit ON task_units (unit_id);

CREATE TABLE task_indicators (
    task_id      BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    indicator_id BIGINT NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, indicator_id)
);

-- Progress notes, each with the status the task had after it.
CREATE TABLE task_notes (
    id      INTEGER PRIMARY KEY,
    task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    at      TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    status  TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
    note    TEXT NOT NULL
);
CREATE INDEX task_notes_task ON task_notes (task_id, at);

-- A training (tập huấn); its attendance feeds `indicator_id` (officials trained) through
-- figures written like any other, each citing the training as evidence.
CREATE TABLE trainings (
    id                        INTEGER PRIMARY KEY,
    framework_id              BIGINT NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    organiser_organisation_id BIGINT REFERENCES organisations (id) ON DELETE SET NULL,
    organiser                 TEXT NOT NULL,
    held_on                   TEXT NOT NULL,
    topic                     TEXT NOT NULL,
    place                     TEXT NOT NULL DEFAULT '',
    indicator_id              BIGINT REFERENCES indicators (id) ON DELETE SET NULL,
    conclusion_id             BIGINT REFERENCES conclusions (id) ON DELETE SET NULL,
    created_by                BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at                TEXT NOT NULL
);

-- The officials trained, by unit.
CREATE TABLE training_attendees (
    id          INTEGER PRIMARY KEY,
    training_id BIGINT NOT NULL REFERENCES trainings (id) ON DELETE CASCADE,
    unit_id     BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    position    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX training_attendees_training ON training_attendees (training_id, unit_id);

-- The figures a training wrote.
CREATE TABLE training_observations (
    training_id    BIGINT NOT NULL REFERENCES trainings (id) ON DELETE CASCADE,
    observation_id BIGINT NOT NULL REFERENCES observations (id) ON DELETE CASCADE,
    PRIMARY KEY (training_id, observation_id)
);

-- A unit's application for recognition (công nhận) under a framework.
CREATE TABLE applications (
    id           INTEGER PRIMARY KEY,
    unit_id      BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    framework_id BIGINT NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    applied_on   TEXT NOT NULL,
    applied_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    state        TEXT NOT NULL CHECK (state IN ('submitted', 'recognised', 'refused', 'withdrawn')),
    note         TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX applications_unit ON applications (unit_id, framework_id);

-- The appraisal, indicator by indicator: the status and figure the unit applied with, and the
-- appraiser's decision on it.
CREATE TABLE application_items (
    application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    indicator_id   BIGINT NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
    applied_status TEXT NOT NULL,
    applied_figure TEXT NOT NULL DEFAULT '',
    decision       TEXT NOT NULL DEFAULT 'pending' CHECK (decision IN ('pending', 'accepted', 'rejected')),
    reason         TEXT NOT NULL DEFAULT '',
    decided_by     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_at     TEXT,
    PRIMARY KEY (application_id, indicator_id)
);

-- The recognition decision (quyết định công nhận).
CREATE TABLE recognitions (
    id               INTEGER PRIMARY KEY,
    application_id   BIGINT NOT NULL UNIQUE REFERENCES applications (id) ON DELETE CASCADE,
    unit_id          BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    framework_id     BIGINT NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    decision_number  TEXT NOT NULL,
    decided_on       TEXT NOT NULL,
    signer           TEXT NOT NULL,
    recognised_from  TEXT NOT NULL,
    created_by       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX recognitions_unit ON recognitions (unit_id);

-- How many units a province plans to recognise each year.
CREATE TABLE recognition_quotas (
    unit_id BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    year    INTEGER NOT NULL,
    quota   INTEGER NOT NULL CHECK (quota >= 0),
    PRIMARY KEY (unit_id, year)
);

-- In-app notices; `emailed_at` is set once the notice went out by e-mail (when SMTP is set up).
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    title_en   TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    body_en    TEXT NOT NULL DEFAULT '',
    link       TEXT NOT NULL DEFAULT '',
    read_at    TEXT,
    emailed_at TEXT
);
CREATE INDEX notifications_user ON notifications (user_id, read_at);

-- Where notices are e-mailed, when the installation has an SMTP server.
ALTER TABLE users ADD COLUMN email TEXT;
