-- Contract negotiations (DSP 2025-1), in either role. `id` is this connector's pid (providerPid when
-- role = provider, consumerPid when role = consumer); the counter-party's pid is filled when known.
CREATE TABLE negotiations (
  id                     text        PRIMARY KEY,
  role                   text        NOT NULL CHECK (role IN ('provider', 'consumer')),
  state                  text        NOT NULL CHECK (state IN ('REQUESTED', 'OFFERED', 'ACCEPTED', 'AGREED', 'VERIFIED', 'FINALIZED', 'TERMINATED')),
  provider_pid           text,
  consumer_pid           text,
  counter_party_did      text        NOT NULL,
  -- The peer's DSP base (provider) or callback address (consumer), without a trailing slash.
  counter_party_address  text        NOT NULL,
  dataset_id             text,
  offer_id               text,
  -- The offer currently on the table (last request or offer), compacted DSP form.
  offer                  jsonb,
  -- Consumer: what it asked for; an offer or agreement equal to it is accepted/verified automatically.
  requested_offer        jsonb,
  -- Provider: the catalogue offer the request matched (policy, asset, modes).
  resolved_offer         jsonb,
  -- Provider: the consumer's verified claims at request time (policy evaluation in negotiation scope).
  participant            jsonb,
  manual                 boolean     NOT NULL DEFAULT false,
  agreement_id           text,
  -- Why it was terminated: { code, reason[] , by }.
  termination            jsonb,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
-- A consumer's repeated initial request maps to the same negotiation.
CREATE UNIQUE INDEX negotiations_provider_consumer_pid
  ON negotiations (counter_party_did, consumer_pid) WHERE role = 'provider';
CREATE INDEX negotiations_list ON negotiations (created_at DESC, id);
CREATE INDEX negotiations_state ON negotiations (state, updated_at);
CREATE INDEX negotiations_dataset ON negotiations (dataset_id);

CREATE TABLE negotiation_history (
  id              bigserial   PRIMARY KEY,
  negotiation_id  text        NOT NULL REFERENCES negotiations (id),
  from_state      text,
  to_state        text        NOT NULL,
  message         text        NOT NULL,
  -- 'in' (received from the peer), 'out' (sent by this connector), 'local' (no message, e.g. a give-up).
  direction       text        NOT NULL CHECK (direction IN ('in', 'out', 'local')),
  actor           text        NOT NULL,
  body            jsonb,
  -- sha-256 of the received body (RFC 8785): a repeated message is answered idempotently.
  digest          text,
  reason          jsonb,
  at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX negotiation_history_negotiation ON negotiation_history (negotiation_id, id);
CREATE INDEX negotiation_history_digest ON negotiation_history (negotiation_id, digest) WHERE digest IS NOT NULL;

CREATE TABLE agreements (
  id              text        PRIMARY KEY,
  negotiation_id  text        NOT NULL UNIQUE REFERENCES negotiations (id),
  role            text        NOT NULL CHECK (role IN ('provider', 'consumer')),
  provider_did    text        NOT NULL,
  consumer_did    text        NOT NULL,
  dataset_id      text        NOT NULL,
  asset_id        text        NOT NULL,
  policy          jsonb       NOT NULL,
  -- sha-256 (hex) of the agreement's RFC 8785 canonical JSON.
  digest          text        NOT NULL,
  signed_at       timestamptz NOT NULL,
  retired_at      timestamptz,
  retired_by      text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agreements_list ON agreements (created_at DESC, id);

CREATE TABLE negotiation_webhooks (
  id          text        PRIMARY KEY,
  url         text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
