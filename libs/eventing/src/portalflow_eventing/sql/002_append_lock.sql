-- Takes the append lock (store.APPEND_LOCK), then reads the stream's version. PL/pgSQL and
-- VOLATILE, so the read has a snapshot of its own, taken once the lock is granted: an append
-- that waited for the lock inside its statement still sees every append committed meanwhile.
CREATE OR REPLACE FUNCTION lock_and_read_version(lock_id bigint, stream text) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_id);
    RETURN (SELECT coalesce(max(version), 0) FROM events WHERE stream_id = stream);
END
$$;
