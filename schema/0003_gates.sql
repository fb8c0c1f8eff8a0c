-- Gate policies (every version), gate results, approvals, bypasses, verdicts and
-- rollback drills. All append-only: a retirement is a new policy version, a new
-- result supersedes an old one by being later; nothing is updated or deleted.

CREATE TABLE gate_policies (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    version     integer NOT NULL CHECK (version >= 1),
    yaml        text NOT NULL,
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    retired     boolean NOT NULL DEFAULT false,
    reason      text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL,
    weakening_change_id bigint REFERENCES changes (id),
    UNIQUE (name, version)
);

CREATE TABLE gate_results (
    id             bigserial PRIMARY KEY,
    change_id      bigint NOT NULL REFERENCES changes (id),
    gate           text NOT NULL CHECK (gate ~ '^[a-z0-9][a-z0-9_-]{0,62}\.[a-z0-9][a-z0-9_-]{0,62}$'),
    policy_version integer NOT NULL,
    result         text NOT NULL CHECK (result IN ('pass', 'fail')),
    evidence       text,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    recorded_by    text NOT NULL
);
CREATE INDEX gate_results_change ON gate_results (change_id, id);

CREATE TABLE gate_approvals (
    id             bigserial PRIMARY KEY,
    change_id      bigint NOT NULL REFERENCES changes (id),
    gate           text NOT NULL CHECK (gate ~ '^[a-z0-9][a-z0-9_-]{0,62}\.[a-z0-9][a-z0-9_-]{0,62}$'),
    policy_version integer NOT NULL,
    approver       text NOT NULL,
    role           text NOT NULL,
    approved_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (change_id, gate, approver)
);

CREATE TABLE gate_bypasses (
    id              bigserial PRIMARY KEY,
    change_id       bigint NOT NULL REFERENCES changes (id),
    gate            text NOT NULL CHECK (gate ~ '^[a-z0-9][a-z0-9_-]{0,62}\.[a-z0-9][a-z0-9_-]{0,62}$'),
    policy_version  integer NOT NULL,
    reason          text NOT NULL CHECK (length(reason) > 0),
    bypassed_by     text NOT NULL,
    role            text NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    state_at_bypass text NOT NULL CHECK (state_at_bypass IN
                        ('pending', 'passed', 'failed', 'overdue', 'bypassed', 'inconclusive')),
    gate_snapshot   jsonb NOT NULL,
    CHECK (expires_at IS NULL OR expires_at > at)
);
CREATE INDEX gate_bypasses_change ON gate_bypasses (change_id, id);

CREATE TABLE gate_verdicts (
    id           bigserial PRIMARY KEY,
    change_id    bigint NOT NULL REFERENCES changes (id),
    scope        text NOT NULL CHECK (scope IN ('pre', 'post', 'all')),
    status       text NOT NULL CHECK (status IN ('clear', 'blocked', 'pending')),
    digest       text NOT NULL,
    verdict      jsonb NOT NULL,
    evaluated_at timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gate_verdicts_change ON gate_verdicts (change_id, scope, id);

CREATE TABLE drills (
    id           bigserial PRIMARY KEY,
    service      text NOT NULL CHECK (service ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    change_id    bigint REFERENCES changes (id),
    performed_at timestamptz NOT NULL,
    rto_target_s bigint NOT NULL CHECK (rto_target_s >= 0),
    rpo_target_s bigint NOT NULL CHECK (rpo_target_s >= 0),
    rto_actual_s bigint CHECK (rto_actual_s >= 0),
    rpo_actual_s bigint CHECK (rpo_actual_s >= 0),
    outcome      text NOT NULL CHECK (outcome IN ('restored', 'failed', 'aborted')),
    notes        text,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    recorded_by  text NOT NULL
);
CREATE INDEX drills_service ON drills (service, performed_at);

CREATE TRIGGER gate_policies_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON gate_policies
    FOR EACH STATEMENT EXECUTE FUNCTION ratchet_refuse();
CREATE TRIGGER gate_results_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON gate_results
    FOR EACH STATEMENT EXECUTE FUNCTION ratchet_refuse();
CREATE TRIGGER gate_approvals_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON gate_approvals
    FOR EACH STATEMENT EXECUTE FUNCTION ratchet_refuse();
CREATE TRIGGER gate_bypasses_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON gate_bypasses
    FOR EACH STATEMENT EXECUTE FUNCTION ratchet_refuse();
CREATE TRIGGER gate_verdicts_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON gate_verdicts
    FOR EACH STATEMENT EXECUTE FUNCTION ratchet_refuse();
CREATE TRIGGER drills_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON drills
    FOR EACH STATEMENT EXECUTE FUNCTION ratchet_refuse();

GRANT SELECT, INSERT ON gate_policies, gate_results, gate_approvals, gate_bypasses,
    gate_verdicts, drills TO ratchet_service;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ratchet_service;
