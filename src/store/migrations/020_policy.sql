-- Policy definitions (issue 4): ODRL policies stored once and referenced by offer definitions
-- (catalog_offers.access_policy_id / contract_policy_id). The policy is kept as written; type, left
-- operands and actions are derived on write for the list filters.

CREATE TABLE policy_definitions (
  id             text        PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._~@-]{1,200}$'),
  description    text,
  policy         jsonb       NOT NULL,
  policy_type    text        NOT NULL CHECK (policy_type IN ('Set', 'Offer', 'Agreement')),
  left_operands  text[]      NOT NULL DEFAULT '{}',
  actions        text[]      NOT NULL DEFAULT '{}',
  version        integer     NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX policy_definitions_left_operands ON policy_definitions USING gin (left_operands);
CREATE INDEX policy_definitions_actions ON policy_definitions USING gin (actions);
CREATE INDEX policy_definitions_updated ON policy_definitions (updated_at, id);
