-- Jigsaw on PostgreSQL with least privilege: what the app role may do (run as the owner role,
-- in Jigsaw's database, after `jigsaw db upgrade` has run as the owner):
--
--   JIGSAW_DATABASE_URL=postgresql+psycopg://jigsaw_owner@db/jigsaw jigsaw db upgrade
--   psql -U jigsaw_owner -d jigsaw -v owner_role=jigsaw_owner -v app_role=jigsaw_app -f postgresql-grants.sql
--
-- Run it again after each upgrade (it is idempotent); tables that later migrations create get
-- the ordinary grants from the default privileges below, never more.

GRANT USAGE ON SCHEMA public TO :"app_role";
REVOKE CREATE ON SCHEMA public FROM :"app_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";

-- The audit log: append and read, nothing else. (Its triggers refuse UPDATE and DELETE even to
-- the owner; without ownership the app role cannot disable them.)
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_events FROM :"app_role";
-- The schema's revision is the owner's business: the app only reads it (to refuse a stale schema).
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM :"app_role";

ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app_role";
