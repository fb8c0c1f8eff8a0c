-- Outcomes (incidents, rollbacks, near misses) and their links to changes, the versions of
-- import rules, and stored backtests. All append-only: a link is made once and never moves; a
-- backtest is stored with its parameters, the hash of its input rows and its result.

CREATE TABLE incidents (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('incident', 'rollback', 'near_miss')),
    severity     text CHECK (severity IN ('sev1', 'sev2', 'sev3', 'sev4')),
    service      text NOT NULL CHECK (service ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    external_key text CHECK (external_key IS NULL OR length(external_key) BETWEEN 1 AND 200),
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    occurred_at  timestamptz NOT NULL,
    detected_at  timestamptz,
    resolved_at  timestamptz,
    source       text NOT NULL DEFAULT 'manual',
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL,
    UNIQUE (service, external_key),
    CHECK (detected_at IS NULL OR detected_at >= occurred_at),
    CHECK (resolved_at IS NULL OR resolved_at >= occurred_at)
);
CREATE INDEX incidents_service_occurred ON incidents (service, occurred_at);

-- how: explicit (a person linked them), revert / regression / follow_up (an import rule read
-- it from a commit message), window (the explicit link-window step: same service, within a
-- horizon). rule and rule_version name the import rules or the step that made the link;
-- params holds what else decided it (the horizon of a window link, the commit line).
CREATE TABLE incident_links (
    id           bigserial PRIMARY KEY,
    incident_id  bigint NOT NULL REFERENCES incidents (id),
    change_id    bigint NOT NULL REFERENCES changes (id),
    how          text NOT NULL CHECK (how IN ('explicit', 'revert', 'regression', 'follow_up',
                                              'window')),
    rule         text,
    rule_version integer,
    params       jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL,
    UNIQUE (incident_id, change_id)
);
CREATE INDEX incident_links_change ON incident_links (change_id);

-- Whether the IO's change already had a linked outcome when the IO was recorded: such a label
-- was made with hindsight and backtests keep it apart.
ALTER TABLE ios ADD COLUMN labelled_after_outcome boolean NOT NULL DEFAULT false;

CREATE OR REPLACE FUNCTION ratchet_ios_one_way() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.id, NEW.change_id, NEW.category, NEW.description, NEW.source, NEW.evidence,
        NEW.undo, NEW.reversible_until, NEW.reversal_cost, NEW.recorded_at, NEW.recorded_by,
        NEW.labelled_after_outcome)
       IS DISTINCT FROM
       (OLD.id, OLD.change_id, OLD.category, OLD.description, OLD.source, OLD.evidence,
        OLD.undo, OLD.reversible_until, OLD.reversal_cost, OLD.recorded_at, OLD.recorded_by,
        OLD.labelled_after_outcome) THEN
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

-- Versions of import rules (policies/import/*.yaml), like gate_policies: integer per name.
CREATE TABLE import_rules (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    version     integer NOT NULL CHECK (version >= 1),
    yaml        text NOT NULL,
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL,
    UNIQUE (name, version),
    UNIQUE (name, sha256)
);

CREATE TABLE backtests (
    id          bigserial PRIMARY KEY,
    params      jsonb NOT NULL,
    input_hash  text NOT NULL CHECK (input_hash ~ '^[0-9a-f]{64}$'),
    result      jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL
);

CREATE TRIGGER incidents_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON incidents
    FOR EACH STATEMENT EXECUTE FUNCTION ratchet_refuse();
CREATE TRIGGER incident_links_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON incident_links
    FOR EACH STATEMENT EXECUTE FUNCTION ratchet_refuse();
CREATE TRIGGER import_rules_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON import_rules
    FOR EACH STATEMENT EXECUTE FUNCTION ratchet_refuse();
CREATE TRIGGER backtests_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON backtests
    FOR EACH STATEMENT EXECUTE FUNCTION ratchet_refuse();

GRANT SELECT, INSERT ON incidents, incident_links, import_rules, backtests TO ratchet_service;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ratchet_service;
