-- What each table of the workspace is: when it was first written (its order in listings) and the store
-- version of its last change (the importer's fingerprint and the readers' cache key).
CREATE TABLE IF NOT EXISTS "{schema}".koopsuz_state (
    table_name text PRIMARY KEY,
    changed bigint NOT NULL,
    created timestamptz NOT NULL DEFAULT clock_timestamp()
);
