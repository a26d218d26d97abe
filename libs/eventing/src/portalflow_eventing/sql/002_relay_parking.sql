-- Partition keys whose next event the relay could not publish (too large, refused by the
-- broker): their events wait here, in order, while every other key's events flow.
CREATE TABLE IF NOT EXISTS relay_parked (
    relay           text        NOT NULL,
    topic           text        NOT NULL,
    partition_key   text        NOT NULL,
    position        bigint      NOT NULL,  -- the first event of the key not published
    event_id        uuid        NOT NULL,
    error           text        NOT NULL,
    parked_at       timestamptz NOT NULL DEFAULT now(),
    retry           boolean     NOT NULL DEFAULT false,  -- an operator asked to try again
    PRIMARY KEY (relay, topic, partition_key)
);

-- Events an operator set aside: the relay never publishes them.
CREATE TABLE IF NOT EXISTS relay_set_aside (
    relay        text        NOT NULL,
    position     bigint      NOT NULL,
    event_id     uuid        NOT NULL,
    reason       text        NOT NULL,
    set_aside_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (relay, position)
);

-- The next offset the relay expects on each partition it published to, as the broker
-- acknowledged: an end offset below it means the broker lost data.
CREATE TABLE IF NOT EXISTS relay_offsets (
    relay        text    NOT NULL,
    topic        text    NOT NULL,
    partition    integer NOT NULL,
    next_offset  bigint  NOT NULL,
    PRIMARY KEY (relay, topic, partition)
);
