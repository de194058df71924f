-- Pairs changed on both sides whose values differ: one open row per coupled pair and mapping
-- (a later run that meets it again updates it), closed when resolved in Couplet or when the
-- pair is found in step again. `fields` is the engine's JSON list of the differing fields with
-- both values; `detected_run` is the latest run that met it (a run reports it once).
CREATE TABLE conflicts (
    id             INTEGER PRIMARY KEY,
    mapping        TEXT NOT NULL,
    erp_id         TEXT NOT NULL,
    crm_id         TEXT NOT NULL,
    fields         TEXT NOT NULL,
    detected_run   TEXT NOT NULL,
    first_detected TEXT NOT NULL,
    detected_at    TEXT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
    resolution     TEXT,
    resolved_at    TEXT
) STRICT;
CREATE UNIQUE INDEX conflicts_open_pair ON conflicts (mapping, erp_id) WHERE state = 'open';
CREATE INDEX conflicts_by_state ON conflicts (state, detected_at);
