-- Evidence (9.1, A.5.36): files, links and notes that prove controls work, each
-- a register item whose content is kept as numbered revisions. Files live in the
-- blob store under their SHA-256; the rows keep the digest, never the bytes.
CREATE TABLE evidence (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  title TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('file', 'link', 'note')),
  description TEXT NOT NULL DEFAULT '',
  owner_id TEXT,
  -- The current revision's content and period, copied from evidence_revisions.
  revision INTEGER NOT NULL DEFAULT 1,
  effective_date TEXT,
  valid_until TEXT,
  url TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  filename TEXT NOT NULL DEFAULT '',
  content_type TEXT NOT NULL DEFAULT '',
  size BIGINT NOT NULL DEFAULT 0,
  sha256 TEXT,
  -- Set on the one evidence item an automated check keeps: its revisions are the check's runs.
  check_id TEXT,
  created_by TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  archived_at TIMESTAMPTZ,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id),
  FOREIGN KEY (org_id, created_by) REFERENCES members(org_id, id)
);
CREATE INDEX evidence_list ON evidence(org_id, ref_number);
CREATE INDEX evidence_expiry ON evidence(org_id, valid_until) WHERE archived_at IS NULL;
CREATE UNIQUE INDEX evidence_check ON evidence(org_id, check_id) WHERE check_id IS NOT NULL;

-- Every revision of an evidence item, never changed once written.
CREATE TABLE evidence_revisions (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  evidence_id TEXT NOT NULL,
  revision INTEGER NOT NULL,
  kind TEXT NOT NULL,
  effective_date TEXT,
  valid_until TEXT,
  url TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  filename TEXT NOT NULL DEFAULT '',
  content_type TEXT NOT NULL DEFAULT '',
  size BIGINT NOT NULL DEFAULT 0,
  sha256 TEXT,
  comment TEXT NOT NULL DEFAULT '',
  created_by TEXT,
  created_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (org_id, evidence_id, revision),
  FOREIGN KEY (org_id, evidence_id) REFERENCES evidence(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, created_by) REFERENCES members(org_id, id)
);
CREATE FUNCTION evidence_revisions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'an evidence revision cannot be changed';
END;
$$;
CREATE TRIGGER evidence_revisions_no_update BEFORE UPDATE ON evidence_revisions
  FOR EACH ROW EXECUTE FUNCTION evidence_revisions_immutable();

CREATE TABLE evidence_controls (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  evidence_id TEXT NOT NULL,
  control_id TEXT NOT NULL,
  PRIMARY KEY (org_id, evidence_id, control_id),
  FOREIGN KEY (org_id, evidence_id) REFERENCES evidence(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, control_id) REFERENCES controls(org_id, id)
);
CREATE INDEX evidence_controls_control ON evidence_controls(org_id, control_id);

CREATE TABLE evidence_requirements (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  evidence_id TEXT NOT NULL,
  requirement_id TEXT NOT NULL REFERENCES requirements(id),
  PRIMARY KEY (org_id, evidence_id, requirement_id),
  FOREIGN KEY (org_id, evidence_id) REFERENCES evidence(org_id, id) ON DELETE CASCADE
);
CREATE INDEX evidence_requirements_requirement ON evidence_requirements(org_id, requirement_id);

CREATE TABLE evidence_risks (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  evidence_id TEXT NOT NULL,
  risk_id TEXT NOT NULL,
  PRIMARY KEY (org_id, evidence_id, risk_id),
  FOREIGN KEY (org_id, evidence_id) REFERENCES evidence(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, risk_id) REFERENCES risks(org_id, id)
);
CREATE INDEX evidence_risks_risk ON evidence_risks(org_id, risk_id);
