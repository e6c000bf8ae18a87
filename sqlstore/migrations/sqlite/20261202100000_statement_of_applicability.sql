-- The Statement of Applicability (6.1.3 d): what each control adds to it, and the
-- SoA's own life: the live statement's state, and every approved revision kept
-- whole, so revision N reads as it was approved whatever changed since.
ALTER TABLE controls ADD COLUMN maturity INTEGER;
-- The reasons a person states for including a control (legal, contractual,
-- business), comma-separated; risk treatment is derived from the linked risks.
ALTER TABLE controls ADD COLUMN inclusion_reasons TEXT NOT NULL DEFAULT '';
ALTER TABLE controls ADD COLUMN exclusion_justification TEXT NOT NULL DEFAULT '';
-- Set by monitoring (a failing check), never by people.
ALTER TABLE controls ADD COLUMN needs_attention BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX controls_review ON controls(org_id, owner_id, review_date);

-- One row per organisation once its SoA has been submitted: absent means draft.
CREATE TABLE soa_states (
  org_id TEXT PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  submitted_by TEXT,
  submitted_at TIMESTAMP,
  FOREIGN KEY (org_id, submitted_by) REFERENCES members(org_id, id)
);

-- Approved revisions, 1, 2, 3 … per organisation: the statement as approved (JSON).
CREATE TABLE soa_revisions (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  revision INTEGER NOT NULL,
  submitted_by TEXT,
  submitted_at TIMESTAMP,
  approved_by TEXT NOT NULL,
  approved_at TIMESTAMP NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY (org_id, revision),
  FOREIGN KEY (org_id, submitted_by) REFERENCES members(org_id, id),
  FOREIGN KEY (org_id, approved_by) REFERENCES members(org_id, id)
);
