-- Signed audit checkpoints: every N entries of a chain, the entry's sequence number
-- and hash signed with an Ed25519 key kept outside the database. Append-only like
-- the trail itself. Like audit_log, rows outlive their organisation: the trail of a
-- deleted organisation is evidence too.
CREATE TABLE audit_checkpoints (
  org_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL,
  signed_at TIMESTAMP NOT NULL,
  signature TEXT NOT NULL,
  PRIMARY KEY (org_id, seq)
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
