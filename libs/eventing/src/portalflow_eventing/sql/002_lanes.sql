-- Appenders serialise per lane, a hash of the partition key, instead of store-wide, and a relay
-- keeps a checkpoint per lane (`lanes[n + 1]` for lane n). The events stored before are in lane
-- 0, as the single checkpoint they were published by, and the other lanes start empty.
ALTER TABLE events ADD COLUMN lane smallint NOT NULL DEFAULT 0;
ALTER TABLE events ALTER COLUMN lane DROP DEFAULT;
CREATE INDEX events_lane_position ON events (lane, position);

ALTER TABLE relay_checkpoints ADD COLUMN lanes bigint[];
UPDATE relay_checkpoints SET lanes = ARRAY[position];
ALTER TABLE relay_checkpoints ALTER COLUMN lanes SET NOT NULL, DROP COLUMN position;
