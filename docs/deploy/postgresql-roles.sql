-- Jigsaw on PostgreSQL with least privilege: the roles (run once, as a superuser).
--
--   psql -v owner_role=jigsaw_owner -v app_role=jigsaw_app -f postgresql-roles.sql
--
-- jigsaw_owner owns the schema and runs `jigsaw db upgrade`; jigsaw_app is what `jigsaw serve`,
-- `jigsaw import` and the other commands log in as. The app role is no superuser and owns
-- nothing, so it cannot ALTER TABLE (disable the audit log's triggers), DROP or TRUNCATE
-- anything: history is changed only by someone who holds the owner's login as well.
-- Set passwords (or certificate authentication in pg_hba.conf) before use:
--   ALTER ROLE jigsaw_owner PASSWORD '...';  ALTER ROLE jigsaw_app PASSWORD '...';

CREATE ROLE :"owner_role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE ROLE :"app_role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
-- The same limits Jigsaw sets on its own connections, for anything else that logs in as the app.
ALTER ROLE :"app_role" SET lock_timeout = '10s';
ALTER ROLE :"app_role" SET idle_in_transaction_session_timeout = '60s';
-- Then: CREATE DATABASE jigsaw OWNER jigsaw_owner;  and, in that database, as a superuser or the owner:
--   REVOKE ALL ON SCHEMA public FROM PUBLIC;  ALTER SCHEMA public OWNER TO jigsaw_owner;
