-- A delivered message is deleted as it is marked done (one row version fewer per message, no copy of
-- its payload in the WAL): no row is left in 'done', and nothing reads when it was delivered.
DELETE FROM outbox WHERE status = 'done';
ALTER TABLE outbox DROP COLUMN done_at;
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'failed'));
