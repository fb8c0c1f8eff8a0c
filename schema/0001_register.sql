-- The register: changes, their amendments, irreversible operations, API tokens and
-- idempotency keys. Append-only tables are one-way: the service role may insert, may
-- update only the one-way columns, and triggers refuse every other update and all deletes.

CREATE TABLE changes (
    id                    bigserial PRIMARY KEY,
    service               text NOT NULL CHECK (service ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    key                   text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    title                 text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    impact                text NOT NULL CHECK (impact IN ('low', 'medium', 'high')),
    state                 text NOT NULL CHECK (state IN ('planned', 'effective')),
    planned_for           timestamptz,
    effective_at          timestamptz,
    author                text,
    links                 text[] NOT NULL DEFAULT '{}',
    refs                  text[] NOT NULL DEFAULT '{}',
    boundary              jsonb NOT NULL DEFAULT '{}',
    review                text NOT NULL DEFAULT 'unreviewed'
                          CHECK (review IN ('unreviewed', 'no_io', 'has_io')),
    shipped_while_blocked jsonb,
    created_at            timestamptz NOT NULL DEFAULT now(),
    created_by            text NOT NULL,
    UNIQUE (service, key),
    CHECK ((state = 'planned') = (effective_at IS NULL))
);
CREATE INDEX changes_effective_at ON changes (effective_at);
CREATE INDEX changes_refs ON changes USING gin (refs);

CREATE TABLE change_amendments (
    id           bigserial PRIMARY KEY,
    change_id    bigint NOT NULL REFERENCES changes (id),
    effective_at timestamptz,
    impact       text CHECK (impact IN ('low', 'medium', 'high')),
    reason       text NOT NULL CHECK (length(reason) > 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL,
    CHECK (effective_at IS NOT NULL OR impact IS NOT NULL)
);
CREATE INDEX change_amendments_change ON change_amendments (change_id, id);

CREATE TABLE ios (
    id               bigserial PRIMARY KEY,
    change_id        bigint NOT NULL REFERENCES changes (id),
    category         text NOT NULL CHECK (category IN ('data', 'evaluation', 'alignment',
                         'deployment', 'supply_chain', 'optionality')),
    description      text NOT NULL CHECK (length(description) > 0),
    status           text NOT NULL CHECK (status IN ('confirmed', 'candidate')),
    source           text NOT NULL,
    evidence         text,
    undo             text,
    reversible_until timestamptz,
    reversal_cost    text,
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    recorded_by      text NOT NULL,
    retracted_at     timestamptz,
    retracted_by     text,
    retracted_reason text,
    CHECK ((retracted_at IS NULL) = (retracted_by IS NULL)
           AND (retracted_at IS NULL) = (retracted_reason IS NULL))
);
CREATE INDEX ios_change ON ios (change_id);
CREATE INDEX ios_recorded_at ON ios (recorded_at);

CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    role         text NOT NULL CHECK (role IN ('admin', 'release-manager', 'engineer',
                     'pipeline', 'auditor')),
    sha256       text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz
);

CREATE TABLE idempotency_keys (
    token_id       bigint NOT NULL REFERENCES api_tokens (id),
    method         text NOT NULL,
    path           text NOT NULL,
    key            text NOT NULL,
    request_sha256 text NOT NULL,
    status         integer,
    response       text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (token_id, method, path, key)
);

-- One-way steps. Every UPDATE that is not one of these is refused, whoever runs it.
CREATE FUNCTION ratchet_changes_one_way() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.id, NEW.service, NEW.key, NEW.title, NEW.impact, NEW.planned_for, NEW.author,
        NEW.links, NEW.refs, NEW.boundary, NEW.created_at, NEW.created_by)
       IS DISTINCT FROM
       (OLD.id, OLD.service, OLD.key, OLD.title, OLD.impact, OLD.planned_for, OLD.author,
        OLD.links, OLD.refs, OLD.boundary, OLD.created_at, OLD.created_by) THEN
        RAISE EXCEPTION 'changes are append-only: only effective_at, state, review and shipped_while_blocked move, one way'
            USING ERRCODE = '23514';
    END IF;
    IF OLD.effective_at IS NOT NULL AND NEW.effective_at IS DISTINCT FROM OLD.effective_at THEN
        RAISE EXCEPTION 'effective_at is set once; amend it instead' USING ERRCODE = '23514';
    END IF;
    IF OLD.state = 'effective' AND NEW.state <> 'effective' THEN
        RAISE EXCEPTION 'state moves planned -> effective only' USING ERRCODE = '23514';
    END IF;
    IF NEW.review IS DISTINCT FROM OLD.review
       AND NOT (OLD.review = 'unreviewed' OR (OLD.review = 'no_io' AND NEW.review = 'has_io')) THEN
        RAISE EXCEPTION 'review moves unreviewed -> reviewed (no_io -> has_io when an IO is found) only'
            USING ERRCODE = '23514';
    END IF;
    IF OLD.shipped_while_blocked IS NOT NULL
       AND NEW.shipped_while_blocked IS DISTINCT FROM OLD.shipped_while_blocked THEN
        RAISE EXCEPTION 'shipped_while_blocked is set once' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER changes_one_way BEFORE UPDATE ON changes
    FOR EACH ROW EXECUTE FUNCTION ratchet_changes_one_way();

CREATE FUNCTION ratchet_ios_one_way() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.id, NEW.change_id, NEW.category, NEW.description, NEW.source, NEW.evidence,
        NEW.undo, NEW.reversible_until, NEW.reversal_cost, NEW.recorded_at, NEW.recorded_by)
       IS DISTINCT FROM
       (OLD.id, OLD.change_id, OLD.category, OLD.description, OLD.source, OLD.evidence,
        OLD.undo, OLD.reversible_until, OLD.reversal_cost, OLD.recorded_at, OLD.recorded_by) THEN
        RAISE EXCEPTION 'ios are append-only: only status and retraction move, one way'
            USING ERRCODE = '23514';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status
       AND NOT (OLD.status = 'candidate' AND NEW.status = 'confirmed') THEN
        RAISE EXCEPTION 'status moves candidate -> confirmed only' USING ERRCODE = '23514';
    END IF;
    IF OLD.retracted_at IS NOT NULL
       AND (NEW.retracted_at, NEW.retracted_by, NEW.retracted_reason)
           IS DISTINCT FROM (OLD.retracted_at, OLD.retracted_by, OLD.retracted_reason) THEN
        RAISE EXCEPTION 'a retraction is set once' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ios_one_way BEFORE UPDATE ON ios
    FOR EACH ROW EXECUTE FUNCTION ratchet_ios_one_way();

CREATE FUNCTION ratchet_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = '23514';
END $$;
CREATE TRIGGER changes_no_delete BEFORE DELETE OR TRUNCATE ON changes
    FOR EACH STATEMENT EXECUTE FUNCTION ratchet_refuse();
CREATE TRIGGER ios_no_delete BEFORE DELETE OR TRUNCATE ON ios
    FOR EACH STATEMENT EXECUTE FUNCTION ratchet_refuse();
CREATE TRIGGER change_amendments_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON change_amendments
    FOR EACH STATEMENT EXECUTE FUNCTION ratchet_refuse();

-- The service role: inserts everywhere it writes; updates only one-way columns.
GRANT SELECT, INSERT ON changes, change_amendments, ios TO ratchet_service;
GRANT UPDATE (effective_at, state, review, shipped_while_blocked) ON changes TO ratchet_service;
GRANT UPDATE (status, retracted_at, retracted_by, retracted_reason) ON ios TO ratchet_service;
GRANT SELECT, INSERT ON api_tokens TO ratchet_service;
GRANT UPDATE (last_used_at, revoked_at) ON api_tokens TO ratchet_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO ratchet_service;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ratchet_service;
GRANT SELECT ON schema_migrations TO ratchet_service;
