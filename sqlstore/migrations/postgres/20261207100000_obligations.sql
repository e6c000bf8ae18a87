-- Legal, statutory, regulatory and contractual obligations (A.5.31–A.5.34): what
-- the organisation must do, where the duty comes from, who owns it, the controls
-- and framework requirements that answer it, and when it is next reviewed.
-- regime says which regulatory regime (gdpr, hipaa) an obligation puts the
-- organisation under; suggestion_key remembers which seeded suggestion it was
-- adopted from, so adopting twice creates nothing new.
CREATE TABLE obligations (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  title TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('law', 'regulation', 'contract', 'standard')),
  jurisdiction TEXT NOT NULL DEFAULT '',
  requirement TEXT NOT NULL DEFAULT '',
  owner_id TEXT,
  regime TEXT NOT NULL DEFAULT '',
  suggestion_key TEXT NOT NULL DEFAULT '',
  review_date TEXT,
  last_reviewed_on TEXT,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  archived_at TIMESTAMPTZ,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id)
);
CREATE INDEX obligations_list ON obligations(org_id, ref_number);
CREATE INDEX obligations_review ON obligations(org_id, status, review_date);
CREATE INDEX obligations_suggestion ON obligations(org_id, suggestion_key);

CREATE TABLE obligation_controls (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  obligation_id TEXT NOT NULL,
  control_id TEXT NOT NULL,
  PRIMARY KEY (org_id, obligation_id, control_id),
  FOREIGN KEY (org_id, obligation_id) REFERENCES obligations(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, control_id) REFERENCES controls(org_id, id)
);
CREATE INDEX obligation_controls_control ON obligation_controls(org_id, control_id);

CREATE TABLE obligation_requirements (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  obligation_id TEXT NOT NULL,
  requirement_id TEXT NOT NULL REFERENCES requirements(id),
  PRIMARY KEY (org_id, obligation_id, requirement_id),
  FOREIGN KEY (org_id, obligation_id) REFERENCES obligations(org_id, id) ON DELETE CASCADE
);
CREATE INDEX obligation_requirements_requirement ON obligation_requirements(org_id, requirement_id);
