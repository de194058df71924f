-- The entity descriptions the connectors learnt from each service's metadata (schema, entity
-- set, key, modified-on field), cached per side so the app and CLI start without reading the
-- metadata again. `url` is the connection's service URL when the metadata was read: a cache
-- entry of another environment is never used. `description` is the connector's JSON.
CREATE TABLE entity_schemas (
    side        TEXT NOT NULL CHECK (side IN ('erp', 'crm')),
    entity      TEXT NOT NULL,
    url         TEXT NOT NULL,
    description TEXT NOT NULL,
    read_at     TEXT NOT NULL,
    PRIMARY KEY (side, entity)
) STRICT;
