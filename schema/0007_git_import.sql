-- Git history imports: the paths a change touched (a commit's numstat paths, new names), and
-- the links between changes that are no outcome (a commit that follows up another, or any link
-- an import rule marks "outcome: false"), stored with the rule and version that made them. A
-- link that is an outcome goes to incidents + incident_links instead (0005). Both append-only.

ALTER TABLE changes ADD COLUMN paths text[] NOT NULL DEFAULT '{}';

CREATE OR REPLACE FUNCTION ratchet_changes_one_way() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.id, NEW.service, NEW.key, NEW.title, NEW.impact, NEW.planned_for, NEW.author,
        NEW.links, NEW.refs, NEW.boundary, NEW.created_at, NEW.created_by, NEW.paths)
       IS DISTINCT FROM
       (OLD.id, OLD.service, OLD.key, OLD.title, OLD.impact, OLD.planned_for, OLD.author,
        OLD.links, OLD.refs, OLD.boundary, OLD.created_at, OLD.created_by, OLD.paths) THEN
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

-- change_id names target (e.g. "Follow-up to <sha>" in change_id's message). how as the import
-- rules spell it; rule and rule_version name the rules file; params what else decided it (the
-- link rule's id, the commit, the input line, the hash as written). Made once, never moved.
CREATE TABLE change_links (
    id           bigserial PRIMARY KEY,
    change_id    bigint NOT NULL REFERENCES changes (id),
    target_id    bigint NOT NULL REFERENCES changes (id),
    how          text NOT NULL CHECK (how IN ('revert', 'regression', 'follow_up')),
    rule         text NOT NULL,
    rule_version integer NOT NULL,
    params       jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL,
    UNIQUE (change_id, target_id, how)
);
CREATE INDEX change_links_target ON change_links (target_id);

CREATE TRIGGER change_links_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON change_links
    FOR EACH STATEMENT EXECUTE FUNCTION ratchet_refuse();

GRANT SELECT, INSERT ON change_links TO ratchet_service;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ratchet_service;
