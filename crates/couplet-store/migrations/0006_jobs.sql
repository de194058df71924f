-- The job queue: recurring work, one job per kind of work (`work` is the model's JSON), due at
-- `next_run_at` (a job on hold is then first asked whether anything changed, unless it has gone
-- `inactivity_minutes` without running). A scheduler claims a due job by setting `lease_until` inside an IMMEDIATE
-- transaction, so two schedulers on one data folder never run it twice; a crashed scheduler's
-- lease simply expires.
CREATE TABLE jobs (
    id            TEXT PRIMARY KEY,
    work          TEXT NOT NULL UNIQUE,
    every_minutes INTEGER NOT NULL CHECK (every_minutes >= 1),
    status        TEXT NOT NULL CHECK (status IN ('ready', 'on_hold', 'paused', 'failed')),
    next_run_at   TEXT NOT NULL,
    last_run      TEXT,
    last_run_at   TEXT,
    failures      INTEGER NOT NULL DEFAULT 0,
    inactivity_minutes INTEGER NOT NULL DEFAULT 720 CHECK (inactivity_minutes >= 1),
    lease_until   TEXT
) STRICT;
CREATE INDEX jobs_due ON jobs (status, next_run_at);
