-- The event store; in config-service it is the source of truth, in both services the outbox.
CREATE TABLE IF NOT EXISTS events (
    position        bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    stream_id       text        NOT NULL,
    version         integer     NOT NULL,
    event_id        uuid        NOT NULL UNIQUE,
    type            text        NOT NULL,
    topic           text        NOT NULL,
    partition_key   text        NOT NULL,
    source          text        NOT NULL,
    org_id          text        NOT NULL,
    data            jsonb       NOT NULL,
    correlation_id  text        NOT NULL,
    causation_id    text,
    actor           text,
    recorded_at     timestamptz NOT NULL,
    PRIMARY KEY (stream_id, version)
);

-- How far each relay has published, by relay name.
CREATE TABLE IF NOT EXISTS relay_checkpoints (
    relay     text   PRIMARY KEY,
    position  bigint NOT NULL
);

-- Events a consumer group has applied; written in the same transaction as the effect.
CREATE TABLE IF NOT EXISTS processed_events (
    consumer_group  text        NOT NULL,
    event_id        text        NOT NULL,
    processed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, event_id)
);
