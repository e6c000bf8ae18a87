-- Context of the organisation and the scope of its ISMS (clauses 4.1–4.3).

-- Internal and external issues (4.1), CI-001 …: what in the organisation or around
-- it bears on what the ISMS must achieve, and the risks it gives rise to.
CREATE TABLE context_issues (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  title TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('external', 'internal')),
  category TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  effect TEXT NOT NULL DEFAULT '',
  owner_id TEXT,
  review_date TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  archived_at TIMESTAMPTZ,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id)
);
CREATE INDEX context_issues_list ON context_issues(org_id, ref_number);
CREATE INDEX context_issues_review ON context_issues(org_id, owner_id, review_date);

CREATE TABLE context_issue_risks (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  issue_id TEXT NOT NULL,
  risk_id TEXT NOT NULL,
  PRIMARY KEY (org_id, issue_id, risk_id),
  FOREIGN KEY (org_id, issue_id) REFERENCES context_issues(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, risk_id) REFERENCES risks(org_id, id)
);
CREATE INDEX context_issue_risks_risk ON context_issue_risks(org_id, risk_id);

-- Interested parties (4.2), IP-001 …: who has a stake in the ISMS, what they require
-- (a JSON list of {requirement, addressed, how}), and the obligations and controls
-- that answer them.
CREATE TABLE interested_parties (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('external', 'internal')),
  description TEXT NOT NULL DEFAULT '',
  requirements TEXT NOT NULL DEFAULT '[]',
  owner_id TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  archived_at TIMESTAMPTZ,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id)
);
CREATE INDEX interested_parties_list ON interested_parties(org_id, ref_number);

CREATE TABLE interested_party_obligations (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  party_id TEXT NOT NULL,
  obligation_id TEXT NOT NULL,
  PRIMARY KEY (org_id, party_id, obligation_id),
  FOREIGN KEY (org_id, party_id) REFERENCES interested_parties(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, obligation_id) REFERENCES obligations(org_id, id)
);
CREATE INDEX interested_party_obligations_obligation ON interested_party_obligations(org_id, obligation_id);

CREATE TABLE interested_party_controls (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  party_id TEXT NOT NULL,
  control_id TEXT NOT NULL,
  PRIMARY KEY (org_id, party_id, control_id),
  FOREIGN KEY (org_id, party_id) REFERENCES interested_parties(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, control_id) REFERENCES controls(org_id, id)
);
CREATE INDEX interested_party_controls_control ON interested_party_controls(org_id, control_id);

-- The scope statement (4.3), one per organisation once written: its boundaries,
-- interfaces, dependencies and justified exclusions as JSON, and where it stands
-- on its way to approval. Who last changed it and who submitted it may not approve
-- it where duties are segregated.
CREATE TABLE scope_statements (
  org_id TEXT PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
  content TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'approved')),
  updated_by TEXT,
  submitted_by TEXT,
  submitted_at TIMESTAMPTZ,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  FOREIGN KEY (org_id, updated_by) REFERENCES members(org_id, id),
  FOREIGN KEY (org_id, submitted_by) REFERENCES members(org_id, id)
);

-- The assets the live statement's boundaries name, so the database refuses another
-- organisation's asset.
CREATE TABLE scope_assets (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  asset_id TEXT NOT NULL,
  PRIMARY KEY (org_id, asset_id),
  FOREIGN KEY (org_id, asset_id) REFERENCES assets(org_id, id)
);

-- Approved revisions 1, 2, 3 … kept whole as approved, never changed once written
-- (the trigger refuses updates).
CREATE TABLE scope_revisions (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  revision INTEGER NOT NULL,
  submitted_by TEXT,
  submitted_at TIMESTAMPTZ,
  approved_by TEXT NOT NULL,
  approved_at TIMESTAMPTZ NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY (org_id, revision),
  FOREIGN KEY (org_id, submitted_by) REFERENCES members(org_id, id),
  FOREIGN KEY (org_id, approved_by) REFERENCES members(org_id, id)
);
CREATE FUNCTION scope_revisions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'an approved scope revision cannot be changed';
END;
$$;
CREATE TRIGGER scope_revisions_no_update BEFORE UPDATE ON scope_revisions
  FOR EACH ROW EXECUTE FUNCTION scope_revisions_immutable();
