-- Gap assessments: a framework's requirements answered one by one (not implemented, partial, implemented,
-- not applicable), kept after they are finished so that two can be compared.
CREATE TABLE gap_assessments (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  title TEXT NOT NULL,
  framework_id TEXT NOT NULL REFERENCES frameworks(id),
  status TEXT NOT NULL,
  created_by TEXT,
  created_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  version INTEGER NOT NULL DEFAULT 1,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, created_by) REFERENCES members(org_id, id)
);
CREATE INDEX gap_assessments_list ON gap_assessments(org_id, created_at);

CREATE TABLE gap_answers (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  assessment_id TEXT NOT NULL,
  requirement_id TEXT NOT NULL REFERENCES requirements(id),
  answer TEXT NOT NULL,
  notes TEXT NOT NULL DEFAULT '',
  evidence_url TEXT NOT NULL DEFAULT '',
  answered_by TEXT,
  answered_at TIMESTAMP NOT NULL,
  PRIMARY KEY (org_id, assessment_id, requirement_id),
  FOREIGN KEY (org_id, assessment_id) REFERENCES gap_assessments(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, answered_by) REFERENCES members(org_id, id)
);
