-- Catalogue role, for search speed at 100,000 datasets:
-- * every facet value of a dataset in one array ('keyword:solar', 'participant:did:...'), so that facet
--   filters use one GIN index and facet counts are one pass (unnest + GROUP BY);
-- * the wide parts (the DSP Dataset node, offer summaries, description) in their own table, so that
--   the rows searches and facet counts read are narrow.
ALTER TABLE federation_datasets ADD COLUMN facets text[] NOT NULL DEFAULT '{}';
CREATE INDEX federation_datasets_facets ON federation_datasets USING gin (facets);
DROP INDEX federation_datasets_keywords;
DROP INDEX federation_datasets_themes;
DROP INDEX federation_datasets_participant;

CREATE TABLE federation_documents (
  source       text  NOT NULL REFERENCES federation_participants (id) ON DELETE CASCADE,
  participant  text  NOT NULL,
  dataset_id   text  NOT NULL,
  data_space   text  NOT NULL,
  description  text  NOT NULL DEFAULT '',
  offers       jsonb NOT NULL,
  dataset      jsonb NOT NULL,
  PRIMARY KEY (source, participant, dataset_id)
);
CREATE INDEX federation_documents_order ON federation_documents (participant, dataset_id);
CREATE INDEX federation_documents_dataset ON federation_documents (dataset_id);
ALTER TABLE federation_datasets DROP COLUMN description, DROP COLUMN offers, DROP COLUMN dataset;
