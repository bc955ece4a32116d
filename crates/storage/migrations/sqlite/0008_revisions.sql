-- What the in-process caches check before they answer. A cached read is kept only while the
-- revision it was read at is still the current one, and every change moves its revision on in
-- its own transaction: a cache never answers from before a committed change, even with several
-- processes sharing the database. Two rows, taken in one order (catalogue before counts), so
-- that two writers never wait on each other's row.
-- Keep in step with ../postgres/0008_revisions.sql: only the triggers differ.

CREATE TABLE revisions (
    -- 'catalog': units, frameworks, settings, users, their roles and API tokens, moved on by
    --            the triggers below, so that no write can forget it;
    -- 'counts':  the status counts, moved on by the storage code that writes them.
    name     TEXT PRIMARY KEY,
    revision BIGINT NOT NULL
);
INSERT INTO revisions (name, revision) VALUES ('catalog', 0), ('counts', 0);

CREATE TRIGGER units_moves_catalog_i AFTER INSERT ON units BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER units_moves_catalog_u AFTER UPDATE ON units BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER units_moves_catalog_d AFTER DELETE ON units BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER unit_ancestors_moves_catalog_i AFTER INSERT ON unit_ancestors BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER unit_ancestors_moves_catalog_u AFTER UPDATE ON unit_ancestors BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER unit_ancestors_moves_catalog_d AFTER DELETE ON unit_ancestors BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER frameworks_moves_catalog_i AFTER INSERT ON frameworks BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER frameworks_moves_catalog_u AFTER UPDATE ON frameworks BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER frameworks_moves_catalog_d AFTER DELETE ON frameworks BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER framework_groups_moves_catalog_i AFTER INSERT ON framework_groups BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER framework_groups_moves_catalog_u AFTER UPDATE ON framework_groups BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER framework_groups_moves_catalog_d AFTER DELETE ON framework_groups BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER indicators_moves_catalog_i AFTER INSERT ON indicators BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER indicators_moves_catalog_u AFTER UPDATE ON indicators BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER indicators_moves_catalog_d AFTER DELETE ON indicators BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER settings_moves_catalog_i AFTER INSERT ON settings BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER settings_moves_catalog_u AFTER UPDATE ON settings BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER settings_moves_catalog_d AFTER DELETE ON settings BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER users_moves_catalog_i AFTER INSERT ON users BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER users_moves_catalog_u AFTER UPDATE ON users BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER users_moves_catalog_d AFTER DELETE ON users BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER user_roles_moves_catalog_i AFTER INSERT ON user_roles BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER user_roles_moves_catalog_u AFTER UPDATE ON user_roles BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER user_roles_moves_catalog_d AFTER DELETE ON user_roles BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER api_tokens_moves_catalog_i AFTER INSERT ON api_tokens BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER api_tokens_moves_catalog_u AFTER UPDATE ON api_tokens BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
CREATE TRIGGER api_tokens_moves_catalog_d AFTER DELETE ON api_tokens BEGIN UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog'; END;
