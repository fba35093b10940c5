-- Issuer role: revocation status lists (bit i = byte i/8, most significant bit first) and the
-- credentials issued, each with its DCP request state and its status list entry.
CREATE TABLE issuer_status_lists (
  id          text        PRIMARY KEY,
  purpose     text        NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
  bits        bytea       NOT NULL,
  next_index  integer     NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE issuer_credentials (
  id               text        PRIMARY KEY,
  holder_did       text        NOT NULL,
  holder_pid       text,
  credential_type  text        NOT NULL,
  status           text        NOT NULL CHECK (status IN ('RECEIVED', 'ISSUED', 'REJECTED')),
  claims           jsonb       NOT NULL DEFAULT '{}',
  status_list      text        REFERENCES issuer_status_lists (id),
  status_index     integer,
  credential       jsonb,
  reason           text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  issued_at        timestamptz,
  revoked_at       timestamptz,
  delivered_at     timestamptz,
  delivery_error   text
);
CREATE INDEX issuer_credentials_holder ON issuer_credentials (holder_did);
