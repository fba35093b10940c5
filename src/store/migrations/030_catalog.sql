-- Provider catalogue (issue 5): assets (DCAT-AP metadata + a private data address) and offer
-- definitions (access policy, contract policy, asset selector). Dataset ids shown in the DSP
-- catalogue are asset ids; the DSP catalogue pages by id (the primary key), so paging is a
-- keyset scan on this index.

CREATE TABLE catalog_assets (
  id            text        PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._~@-]{1,200}$'),
  title         text        NOT NULL,
  -- Lower-cased copies for filters and selectors (keyword and theme are matched case-insensitively).
  keywords      text[]      NOT NULL DEFAULT '{}',
  themes        text[]      NOT NULL DEFAULT '{}',
  -- The DCAT-AP metadata as the management API shows it (title, description, keywords, ...).
  metadata      jsonb       NOT NULL,
  -- Free-form properties that offer selectors can match on.
  properties    jsonb       NOT NULL DEFAULT '{}',
  -- The DSP Dataset node without hasPolicy (computed on write, so that a catalogue page is a scan).
  dataset       jsonb       NOT NULL,
  -- Private: never shown to other participants, never selected by the DSP catalogue queries.
  data_address  jsonb       NOT NULL,
  version       integer     NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX catalog_assets_keywords ON catalog_assets USING gin (keywords);
CREATE INDEX catalog_assets_title ON catalog_assets (title, id);
CREATE INDEX catalog_assets_updated ON catalog_assets (updated_at, id);

-- Offer definitions (EDC: contract definitions). A policy is referenced by the id of a stored
-- policy definition (policy service) or embedded inline; exactly one of each pair is set.
CREATE TABLE catalog_offers (
  id                  text        PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._~@-]{1,200}$'),
  access_policy_id    text,
  access_policy       jsonb,
  contract_policy_id  text,
  contract_policy     jsonb,
  asset_selector      jsonb       NOT NULL DEFAULT '{}',
  negotiation_mode    text        NOT NULL DEFAULT 'auto' CHECK (negotiation_mode IN ('auto', 'manual')),
  transfer_mode       text        NOT NULL DEFAULT 'auto' CHECK (transfer_mode IN ('auto', 'manual')),
  version             integer     NOT NULL DEFAULT 1,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CHECK ((access_policy_id IS NULL) <> (access_policy IS NULL)),
  CHECK ((contract_policy_id IS NULL) <> (contract_policy IS NULL))
);

-- The key of opaque DSP page tokens (HMAC), shared by every replica of one connector.
CREATE TABLE catalog_secrets (
  name   text PRIMARY KEY,
  value  text NOT NULL
);
