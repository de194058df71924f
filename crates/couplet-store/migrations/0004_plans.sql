-- Dry runs kept so they can be applied exactly as shown. `scope` says what was planned
-- (a mapping, chosen records, everything), for lists. `body` is the engine's plan as JSON,
-- opaque here. `state` moves once from 'ready' to 'applied' (with the run that applied it),
-- so a plan is never applied twice.
CREATE TABLE plans (
    id          TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL,
    scope       TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'applied')),
    applied_run TEXT,
    body        TEXT NOT NULL
) STRICT;
