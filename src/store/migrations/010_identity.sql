-- DCP replay protection: the id of every self-issued token accepted, kept until the token expires.
-- `jti` is namespaced by the issuer DID (`<did>|<jti>`).
CREATE TABLE identity_jti (
  jti         text        PRIMARY KEY,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX identity_jti_expiry ON identity_jti (expires_at);

-- Credentials this connector holds; its credential service presents them to verifiers.
CREATE TABLE identity_credentials (
  id           text        PRIMARY KEY,
  format       text        NOT NULL CHECK (format IN ('jwt', 'json-ld')),
  types        text[]      NOT NULL,
  issuer       text        NOT NULL,
  -- the compact JWT (as a JSON string) or the Data Integrity credential object
  credential   jsonb       NOT NULL,
  valid_until  timestamptz,
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX identity_credentials_types ON identity_credentials USING gin (types);
