-- Tamper-evident contract log (issue 8). Entries are appended in the transaction of the change they
-- record; seq is the leaf index of the RFC 9162 Merkle tree, so it must have no gaps.

-- One row used as the sequence counter. `UPDATE ... RETURNING` takes its row lock until the appending
-- transaction ends, so appends from every replica are serialised and a rolled-back append gives its
-- seq back: committed seqs are always 0..n-1 (a sequence object would leave gaps).
CREATE TABLE audit_head (
  id        boolean PRIMARY KEY DEFAULT true CHECK (id),
  next_seq  bigint  NOT NULL
);
INSERT INTO audit_head (id, next_seq) VALUES (true, 0);

CREATE TABLE audit_entries (
  seq        bigint      PRIMARY KEY CHECK (seq >= 0),
  time       timestamptz NOT NULL,
  type       text        NOT NULL,
  actor      text        NOT NULL,
  subjects   jsonb       NOT NULL,
  content    jsonb       NOT NULL,
  -- SHA-256(0x00 || RFC 8785 canonical JSON of the entry), computed at append time.
  leaf_hash  bytea       NOT NULL CHECK (octet_length(leaf_hash) = 32)
);
CREATE INDEX audit_entries_time ON audit_entries (time, seq);
CREATE INDEX audit_entries_negotiation ON audit_entries ((subjects ->> 'negotiationId'), seq)
  WHERE subjects ? 'negotiationId';
CREATE INDEX audit_entries_agreement ON audit_entries ((subjects ->> 'agreementId'), seq)
  WHERE subjects ? 'agreementId';
CREATE INDEX audit_entries_transfer ON audit_entries ((subjects ->> 'transferId'), seq)
  WHERE subjects ? 'transferId';
CREATE INDEX audit_entries_participant ON audit_entries ((subjects ->> 'participant'), seq)
  WHERE subjects ? 'participant';

-- Signed tree heads (compact JWS), periodic and on demand.
CREATE TABLE audit_tree_heads (
  id          bigserial   PRIMARY KEY,
  tree_size   bigint      NOT NULL,
  root_hash   bytea       NOT NULL,
  signed_at   timestamptz NOT NULL,
  jws         text        NOT NULL
);
CREATE INDEX audit_tree_heads_size ON audit_tree_heads (tree_size, id);
