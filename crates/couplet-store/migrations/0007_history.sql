-- What each run changed in a coupled pair: one row per record written, with the fields it
-- changed (JSON list of {field, old, new}; values beyond 2,000 characters shortened, as this is
-- a log). A record created has its row with no fields: the create itself is the change.
CREATE TABLE history (
    id        INTEGER PRIMARY KEY,
    mapping   TEXT NOT NULL,
    erp_id    TEXT NOT NULL,
    crm_id    TEXT NOT NULL,
    run_id    TEXT NOT NULL,
    direction TEXT NOT NULL,
    action    TEXT NOT NULL CHECK (action IN ('created', 'updated', 'coupled')),
    changes   TEXT NOT NULL,
    at        TEXT NOT NULL
) STRICT;
CREATE INDEX history_by_pair ON history (mapping, erp_id, at);
CREATE INDEX history_by_time ON history (at);
