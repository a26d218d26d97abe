-- The org's catalog (dynamic fields, conditions, portal settings) is read by org and event type
-- in commit order, across many small streams.
CREATE INDEX IF NOT EXISTS events_by_org_and_type ON events (org_id, type, position);
