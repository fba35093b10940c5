-- Transfer processes (DSP 2025-1), on either side. `id` is this side's pid (provider_pid on the
-- provider, consumer_pid on the consumer); the peer's pid is the other column.
CREATE TABLE transfers (
  id                     text PRIMARY KEY,
  role                   text        NOT NULL CHECK (role IN ('provider', 'consumer')),
  provider_pid           text,
  consumer_pid           text        NOT NULL,
  state                  text        NOT NULL
    CHECK (state IN ('REQUESTED', 'STARTED', 'SUSPENDED', 'COMPLETED', 'TERMINATED')),
  agreement_id           text        NOT NULL,
  asset_id               text,
  format                 text        NOT NULL,
  counter_party_did      text        NOT NULL,
  -- The peer's DSP base: the consumer's callbackAddress (provider side) or the provider's address.
  counter_party_address  text        NOT NULL,
  -- Provider: the consumer's push destination. Consumer: the EDR the provider sent on start.
  data_address           jsonb,
  -- Provider: the consumer as identity verified it at request time (DID and credentials).
  participant            jsonb,
  manual                 boolean     NOT NULL DEFAULT false,
  usage_count            bigint      NOT NULL DEFAULT 0,
  token_id               text,
  refresh_token_hash     text,
  reason                 jsonb,
  error_detail           text,
  version                integer     NOT NULL DEFAULT 1,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
-- A repeated request (same consumerPid from the same consumer) finds the first process.
CREATE UNIQUE INDEX transfers_provider_request ON transfers (counter_party_did, consumer_pid) WHERE role = 'provider';
CREATE INDEX transfers_state ON transfers (state, role);
CREATE INDEX transfers_agreement ON transfers (agreement_id);
CREATE INDEX transfers_refresh ON transfers (refresh_token_hash) WHERE refresh_token_hash IS NOT NULL;

CREATE TABLE transfer_history (
  id           bigserial   PRIMARY KEY,
  transfer_id  text        NOT NULL REFERENCES transfers (id),
  from_state   text,
  to_state     text        NOT NULL,
  event        text        NOT NULL,
  actor        text        NOT NULL,
  reason       jsonb,
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transfer_history_transfer ON transfer_history (transfer_id, id);

-- Uses counted per agreement (an "at most N uses" agreement spans its transfers).
CREATE TABLE agreement_usage (
  agreement_id  text   PRIMARY KEY,
  count         bigint NOT NULL DEFAULT 0
);
