-- Raised by a write that finds its row no longer in the state its transaction read. The check is in
-- the statement, not in the client after it, because a transaction's statements and its COMMIT go to
-- PostgreSQL together (pipelined): an error is what makes that COMMIT roll back.
CREATE FUNCTION pontis_stale(message text) RETURNS timestamptz LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'PS001', MESSAGE = message;
END
$$;
