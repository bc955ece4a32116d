-- What the in-process caches check before they answer. A cached read is kept only while the
-- revision it was read at is still the current one, and every change moves its revision on in
-- its own transaction: a cache never answers from before a committed change, even with several
-- processes sharing the database. Two rows, taken in one order (catalogue before counts), so
-- that two writers never wait on each other's row.
-- Keep in step with ../sqlite/0008_revisions.sql: only the triggers differ.

CREATE TABLE revisions (
    -- 'catalog': units, frameworks, settings, users, their roles and API tokens, moved on by
    --            the triggers below, so that no write can forget it;
    -- 'counts':  the status counts, moved on by the storage code that writes them.
    name     TEXT PRIMARY KEY,
    revision BIGINT NOT NULL
);
INSERT INTO revisions (name, revision) VALUES ('catalog', 0), ('counts', 0);

CREATE FUNCTION move_catalog_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE revisions SET revision = revision + 1 WHERE name = 'catalog';
    RETURN NULL;
END;
$$;

-- Once per statement, not per row: a unit import moves it once.
CREATE TRIGGER units_moves_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON units
FOR EACH STATEMENT EXECUTE FUNCTION move_catalog_revision();
CREATE TRIGGER unit_ancestors_moves_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON unit_ancestors
FOR EACH STATEMENT EXECUTE FUNCTION move_catalog_revision();
CREATE TRIGGER frameworks_moves_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON frameworks
FOR EACH STATEMENT EXECUTE FUNCTION move_catalog_revision();
CREATE TRIGGER framework_groups_moves_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON framework_groups
FOR EACH STATEMENT EXECUTE FUNCTION move_catalog_revision();
CREATE TRIGGER indicators_moves_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON indicators
FOR EACH STATEMENT EXECUTE FUNCTION move_catalog_revision();
CREATE TRIGGER settings_moves_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON settings
FOR EACH STATEMENT EXECUTE FUNCTION move_catalog_revision();
CREATE TRIGGER users_moves_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
FOR EACH STATEMENT EXECUTE FUNCTION move_catalog_revision();
CREATE TRIGGER user_roles_moves_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_roles
FOR EACH STATEMENT EXECUTE FUNCTION move_catalog_revision();
CREATE TRIGGER api_tokens_moves_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON api_tokens
FOR EACH STATEMENT EXECUTE FUNCTION move_catalog_revision();
