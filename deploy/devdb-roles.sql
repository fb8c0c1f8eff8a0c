-- Roles and database of ratchet, run by psql as the cluster's superuser (postgres) against the
-- "postgres" database. Idempotent. Used by deploy/devdb and tests/integration/lib.sh.
-- Table grants and the append-only triggers live in the migrations (schema/*.sql).
\set ON_ERROR_STOP on
SELECT 'CREATE ROLE ratchet_owner LOGIN'
	WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ratchet_owner') \gexec
SELECT 'CREATE ROLE ratchet_service LOGIN'
	WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ratchet_service') \gexec
SELECT 'CREATE DATABASE ratchet OWNER ratchet_owner ENCODING ''UTF8'' TEMPLATE template0'
	WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'ratchet') \gexec
REVOKE ALL ON DATABASE ratchet FROM PUBLIC;
GRANT CONNECT, TEMP ON DATABASE ratchet TO ratchet_service;
\connect ratchet
ALTER SCHEMA public OWNER TO ratchet_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO ratchet_service;
