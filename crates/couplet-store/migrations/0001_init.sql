-- Couplet's state, first version.
-- Conventions: ids are lowercase hyphenated GUID text; times are RFC 3339 UTC text with nine
-- fractional digits (so they sort as text); enums are their stable snake_case names; nested model
-- values (filters, templates, transforms) are serde JSON text. No secret is ever stored here.

-- How to reach each side. Secrets live in the OS keychain, keyed by side.
CREATE TABLE connections (
    side                  TEXT    NOT NULL PRIMARY KEY CHECK (side IN ('erp', 'crm')),
    url                   TEXT    NOT NULL,
    tenant                TEXT    NOT NULL,
    client_id             TEXT    NOT NULL,
    authority             TEXT    NOT NULL,
    scope                 TEXT    NOT NULL,
    company_id            TEXT,
    company_name          TEXT,
    integration_user_id   TEXT,
    integration_user_name TEXT,
    sandbox               INTEGER NOT NULL CHECK (sandbox IN (0, 1))
) STRICT;

-- Table mappings, listed by position (insertion order unless rearranged).
CREATE TABLE table_mappings (
    name              TEXT    NOT NULL PRIMARY KEY,
    position          INTEGER NOT NULL,
    erp_entity        TEXT    NOT NULL,
    crm_entity        TEXT    NOT NULL,
    direction         TEXT    NOT NULL CHECK (direction IN ('to_crm', 'from_crm', 'bidirectional')),
    erp_filter        TEXT,
    crm_filter        TEXT,
    only_coupled      INTEGER NOT NULL CHECK (only_coupled IN (0, 1)),
    dependencies      TEXT    NOT NULL,
    update_conflict   TEXT    NOT NULL,
    deletion_conflict TEXT    NOT NULL,
    erp_template      TEXT    NOT NULL,
    erp_numbering     TEXT,
    crm_template      TEXT    NOT NULL,
    enabled           INTEGER NOT NULL CHECK (enabled IN (0, 1))
) STRICT;

CREATE INDEX table_mappings_by_position ON table_mappings (position);

-- Field mappings of a table mapping, in order.
CREATE TABLE field_mappings (
    mapping              TEXT    NOT NULL REFERENCES table_mappings (name) ON DELETE CASCADE ON UPDATE CASCADE,
    position             INTEGER NOT NULL,
    erp_field            TEXT,
    crm_field            TEXT,
    direction            TEXT    NOT NULL CHECK (direction IN ('to_crm', 'from_crm', 'bidirectional')),
    transform            TEXT    NOT NULL,
    constant             TEXT,
    validate             INTEGER NOT NULL CHECK (validate IN (0, 1)),
    clear_on_failed_sync INTEGER NOT NULL CHECK (clear_on_failed_sync IN (0, 1)),
    not_null             INTEGER NOT NULL CHECK (not_null IN (0, 1)),
    match_priority       INTEGER,
    enabled              INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    PRIMARY KEY (mapping, position)
) STRICT;

-- Couplings: one ERP record linked to one CRM record under a mapping; unique per side per mapping.
CREATE TABLE couplings (
    mapping         TEXT    NOT NULL,
    erp_id          TEXT    NOT NULL,
    crm_id          TEXT    NOT NULL,
    erp_modified_on TEXT,
    crm_modified_on TEXT,
    erp_etag        TEXT,
    crm_etag        TEXT,
    fingerprint     TEXT,
    last_synced_at  TEXT,
    last_failed     INTEGER NOT NULL DEFAULT 0 CHECK (last_failed IN (0, 1)),
    skipped         INTEGER NOT NULL DEFAULT 0 CHECK (skipped IN (0, 1)),
    PRIMARY KEY (mapping, erp_id),
    UNIQUE (mapping, crm_id)
) STRICT;

CREATE INDEX couplings_failed ON couplings (mapping) WHERE last_failed = 1 AND skipped = 0;

-- Runs of jobs; a mapping's pass inside a full sync has the full sync as parent.
CREATE TABLE runs (
    id          TEXT    NOT NULL PRIMARY KEY,
    kind        TEXT    NOT NULL,
    mapping     TEXT,
    direction   TEXT,
    parent      TEXT,
    state       TEXT    NOT NULL,
    inserted    INTEGER NOT NULL DEFAULT 0,
    modified    INTEGER NOT NULL DEFAULT 0,
    deleted     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    coupled     INTEGER NOT NULL DEFAULT 0,
    uncoupled   INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT    NOT NULL,
    finished_at TEXT,
    message     TEXT
) STRICT;

CREATE INDEX runs_by_start ON runs (started_at);
CREATE INDEX runs_by_parent ON runs (parent) WHERE parent IS NOT NULL;

-- Records that failed in a run.
CREATE TABLE sync_errors (
    id             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    run_id         TEXT    NOT NULL,
    mapping        TEXT    NOT NULL,
    direction      TEXT    NOT NULL,
    source_id      TEXT,
    destination_id TEXT,
    message        TEXT    NOT NULL,
    cause          TEXT,
    retryable      INTEGER NOT NULL CHECK (retryable IN (0, 1)),
    at             TEXT    NOT NULL
) STRICT;

CREATE INDEX sync_errors_by_run ON sync_errors (run_id);
CREATE INDEX sync_errors_by_time ON sync_errors (at);
CREATE INDEX sync_errors_by_source ON sync_errors (mapping, source_id);
CREATE INDEX sync_errors_by_destination ON sync_errors (mapping, destination_id);

-- How far each mapping's changes are processed, per one-way direction.
-- `change_marker` holds the source's change-tracking position (Checkpoint::token); it is not a
-- credential, and is named so that no column reads like one.
CREATE TABLE checkpoints (
    mapping        TEXT NOT NULL,
    direction      TEXT NOT NULL CHECK (direction IN ('to_crm', 'from_crm')),
    modified_since TEXT,
    change_marker  TEXT,
    PRIMARY KEY (mapping, direction)
) STRICT;
