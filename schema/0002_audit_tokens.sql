-- The audit log (hash-chained, sealed in batches by one sealer) and token bookkeeping.

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    seq         bigint UNIQUE,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor       text NOT NULL,
    action      text NOT NULL,
    object_type text NOT NULL,
    object_id   text NOT NULL,
    payload     jsonb NOT NULL,
    prev_hash   text CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    hash        text CHECK (hash ~ '^[0-9a-f]{64}$'),
    CHECK ((seq IS NULL) = (hash IS NULL) AND (seq IS NULL) = (prev_hash IS NULL))
);
CREATE INDEX audit_log_unsealed ON audit_log (id) WHERE seq IS NULL;

-- Only the seal moves, once: seq, prev_hash and hash go from null to a value.
CREATE FUNCTION ratchet_audit_one_way() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.id, NEW.at, NEW.actor, NEW.action, NEW.object_type, NEW.object_id, NEW.payload)
       IS DISTINCT FROM
       (OLD.id, OLD.at, OLD.actor, OLD.action, OLD.object_type, OLD.object_id, OLD.payload) THEN
        RAISE EXCEPTION 'audit_log is append-only: only the seal is set, once'
            USING ERRCODE = '23514';
    END IF;
    IF OLD.seq IS NOT NULL AND (NEW.seq, NEW.prev_hash, NEW.hash)
       IS DISTINCT FROM (OLD.seq, OLD.prev_hash, OLD.hash) THEN
        RAISE EXCEPTION 'an audit entry is sealed once' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_one_way BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION ratchet_audit_one_way();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION ratchet_refuse();

ALTER TABLE api_tokens ADD COLUMN created_by text NOT NULL DEFAULT 'ratchetd';

-- Tokens: only revocation (once) and the last-used time move.
CREATE FUNCTION ratchet_tokens_one_way() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.id, NEW.name, NEW.role, NEW.sha256, NEW.created_at, NEW.created_by, NEW.expires_at)
       IS DISTINCT FROM
       (OLD.id, OLD.name, OLD.role, OLD.sha256, OLD.created_at, OLD.created_by, OLD.expires_at) THEN
        RAISE EXCEPTION 'api_tokens: only revoked_at and last_used_at change'
            USING ERRCODE = '23514';
    END IF;
    IF OLD.revoked_at IS NOT NULL AND NEW.revoked_at IS DISTINCT FROM OLD.revoked_at THEN
        RAISE EXCEPTION 'a token is revoked once' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER api_tokens_one_way BEFORE UPDATE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION ratchet_tokens_one_way();
CREATE TRIGGER api_tokens_no_delete BEFORE DELETE OR TRUNCATE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION ratchet_refuse();

GRANT SELECT, INSERT ON audit_log TO ratchet_service;
GRANT UPDATE (seq, prev_hash, hash) ON audit_log TO ratchet_service;
GRANT USAGE ON SEQUENCE audit_log_id_seq TO ratchet_service;
