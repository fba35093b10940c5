-- A provider stores the agreement it makes for a new negotiation before the negotiation's row: that row
-- is INSERTed once, as the transaction's last step leaves it (REQUESTED, then AGREED). The reference is
-- checked at COMMIT instead of at each statement.
ALTER TABLE agreements ALTER CONSTRAINT agreements_negotiation_id_fkey DEFERRABLE INITIALLY DEFERRED;
