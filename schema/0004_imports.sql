-- Imports: a drill brought in from an external pack keeps that pack's id, unique per service,
-- so a re-import reports it as a duplicate instead of inserting it again.

ALTER TABLE drills ADD COLUMN external_key text
    CHECK (external_key IS NULL OR length(external_key) BETWEEN 1 AND 200);
ALTER TABLE drills ADD CONSTRAINT drills_service_external_key UNIQUE (service, external_key);
