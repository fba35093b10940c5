-- Transactional outbox: messages and tasks enqueued in the same transaction as the state change
-- that causes them, then claimed by a dispatcher (FOR UPDATE SKIP LOCKED + lease expiry).
CREATE TABLE outbox (
  id            bigserial PRIMARY KEY,
  topic         text        NOT NULL,
  -- Messages with the same key are delivered in order: a later one waits until the earlier is done.
  key           text,
  payload       jsonb       NOT NULL,
  status        text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
  attempts      integer     NOT NULL DEFAULT 0,
  next_at       timestamptz NOT NULL DEFAULT now(),
  deadline_at   timestamptz NOT NULL,
  lease_owner   text,
  lease_until   timestamptz,
  last_error    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  done_at       timestamptz
);
CREATE INDEX outbox_due ON outbox (next_at, id) WHERE status = 'pending';
CREATE INDEX outbox_key ON outbox (key, id) WHERE status = 'pending';

-- Named leases: a singleton job (e.g. the tree head signer, the crawler scheduler) runs on one replica.
CREATE TABLE leases (
  name        text PRIMARY KEY,
  owner       text        NOT NULL,
  expires_at  timestamptz NOT NULL
);
