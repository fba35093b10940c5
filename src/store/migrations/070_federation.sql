-- Catalogue role (issue 9): the participant registry, crawl status, and the federated index.

-- One row per participant (or per other data space's catalogue) the catalogue crawls.
CREATE TABLE federation_participants (
  id                text        PRIMARY KEY,
  did               text        UNIQUE,
  -- DSP base URL of its catalogue; when NULL it is resolved from the DID document (CatalogService).
  address           text,
  -- Label of the data space its datasets belong to; NULL = this catalogue's own data space.
  data_space        text,
  -- 'config' rows are synchronised with the configuration file at start; 'api' rows by operators.
  origin            text        NOT NULL DEFAULT 'api' CHECK (origin IN ('config', 'api')),
  interval_seconds  integer     CHECK (interval_seconds IS NULL OR interval_seconds > 0),
  created_at        timestamptz NOT NULL DEFAULT now(),
  -- Crawl status.
  state             text        NOT NULL DEFAULT 'pending'
                                CHECK (state IN ('pending', 'ok', 'stale', 'failing', 'untrusted')),
  last_attempt_at   timestamptz,
  last_success_at   timestamptz,
  last_error        text,
  last_error_at     timestamptz,
  failures          integer     NOT NULL DEFAULT 0,
  next_crawl_at     timestamptz NOT NULL DEFAULT now(),
  dataset_count     integer     NOT NULL DEFAULT 0,
  CHECK (did IS NOT NULL OR address IS NOT NULL)
);
CREATE UNIQUE INDEX federation_participants_address ON federation_participants (address) WHERE did IS NULL;
CREATE INDEX federation_participants_due ON federation_participants (next_crawl_at);

-- The index: one row per dataset found. A participant's rows are replaced in one transaction
-- when its crawl succeeds, so searches see either the previous or the new copy, never a mix.
CREATE TABLE federation_datasets (
  source          text        NOT NULL REFERENCES federation_participants (id) ON DELETE CASCADE,
  -- participantId of the catalogue holding the dataset (differs from the source for nested catalogues).
  participant     text        NOT NULL,
  data_space      text        NOT NULL,
  dataset_id      text        NOT NULL,
  -- DSP base URL to negotiate with for this dataset.
  endpoint        text        NOT NULL,
  title           text        NOT NULL DEFAULT '',
  description     text        NOT NULL DEFAULT '',
  publisher       text,
  keywords        text[]      NOT NULL DEFAULT '{}',
  themes          text[]      NOT NULL DEFAULT '{}',
  formats         text[]      NOT NULL DEFAULT '{}',
  licenses        text[]      NOT NULL DEFAULT '{}',
  -- What each offer requires (membership, purpose, region, uses, time), see offers.ts.
  offers          jsonb       NOT NULL,
  -- The DSP Dataset node as crawled (served again by the federated DSP catalogue).
  dataset         jsonb       NOT NULL,
  search          tsvector    NOT NULL,
  crawled_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, participant, dataset_id)
);
CREATE INDEX federation_datasets_search ON federation_datasets USING gin (search);
CREATE INDEX federation_datasets_title ON federation_datasets (title, participant, dataset_id);
CREATE INDEX federation_datasets_keywords ON federation_datasets USING gin (keywords);
CREATE INDEX federation_datasets_themes ON federation_datasets USING gin (themes);
CREATE INDEX federation_datasets_participant ON federation_datasets (participant);
