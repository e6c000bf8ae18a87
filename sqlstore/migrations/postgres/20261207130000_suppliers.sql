-- Supplier relationships (A.5.19–A.5.23): the register with each supplier's tier, its
-- certificates, and the security questionnaires sent to it through personal links.

-- How an organisation tiers its suppliers: points per answer, thresholds and review
-- intervals, as JSON (none stored: the defaults apply).
CREATE TABLE supplier_tiering (
  org_id TEXT PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
  settings TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE suppliers (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  name TEXT NOT NULL,
  services TEXT NOT NULL DEFAULT '',
  owner_id TEXT,
  data_processed TEXT NOT NULL DEFAULT 'none' CHECK (data_processed IN ('none', 'internal', 'personal', 'special_category')),
  system_access TEXT NOT NULL DEFAULT 'none' CHECK (system_access IN ('none', 'limited', 'privileged')),
  replaceability TEXT NOT NULL DEFAULT 'easy' CHECK (replaceability IN ('easy', 'moderate', 'hard')),
  tier INTEGER NOT NULL CHECK (tier BETWEEN 1 AND 3),
  tier_override INTEGER CHECK (tier_override BETWEEN 1 AND 3),
  tier_override_reason TEXT NOT NULL DEFAULT '',
  personal_data BOOLEAN NOT NULL DEFAULT FALSE,
  data_locations TEXT NOT NULL DEFAULT '',
  contract_start TEXT,
  contract_end TEXT,
  dpa_signed TEXT,
  contacts TEXT NOT NULL DEFAULT '[]',
  status TEXT NOT NULL DEFAULT 'onboarding' CHECK (status IN ('onboarding', 'active', 'offboarding', 'ended')),
  last_review_date TEXT,
  next_review_date TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  archived_at TIMESTAMPTZ,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id)
);
CREATE INDEX suppliers_list ON suppliers(org_id, ref_number);
CREATE INDEX suppliers_review ON suppliers(org_id, next_review_date);

CREATE TABLE supplier_assets (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  supplier_id TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  PRIMARY KEY (org_id, supplier_id, asset_id),
  FOREIGN KEY (org_id, supplier_id) REFERENCES suppliers(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, asset_id) REFERENCES assets(org_id, id)
);

CREATE TABLE supplier_risks (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  supplier_id TEXT NOT NULL,
  risk_id TEXT NOT NULL,
  PRIMARY KEY (org_id, supplier_id, risk_id),
  FOREIGN KEY (org_id, supplier_id) REFERENCES suppliers(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, risk_id) REFERENCES risks(org_id, id)
);

CREATE TABLE supplier_controls (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  supplier_id TEXT NOT NULL,
  control_id TEXT NOT NULL,
  PRIMARY KEY (org_id, supplier_id, control_id),
  FOREIGN KEY (org_id, supplier_id) REFERENCES suppliers(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, control_id) REFERENCES controls(org_id, id)
);

-- Certificates and attestation reports: ISO/IEC 27001, SOC 2 (type, period), others.
CREATE TABLE supplier_certificates (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  supplier_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('iso27001', 'soc2', 'other')),
  name TEXT NOT NULL DEFAULT '',
  number TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  scope TEXT NOT NULL DEFAULT '',
  issued_on TEXT,
  expires_on TEXT,
  report_type TEXT CHECK (report_type IN ('type1', 'type2')),
  period_start TEXT,
  period_end TEXT,
  evidence_id TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  archived_at TIMESTAMPTZ,
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, supplier_id) REFERENCES suppliers(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, evidence_id) REFERENCES evidence(org_id, id)
);
CREATE INDEX supplier_certificates_supplier ON supplier_certificates(org_id, supplier_id);
CREATE INDEX supplier_certificates_expiry ON supplier_certificates(org_id, expires_on);

-- Security questionnaires (SQ-001) sent to a supplier contact: the questions as sent,
-- the answers, the score, and the reviewer's decision.
CREATE TABLE supplier_questionnaires (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  supplier_id TEXT NOT NULL,
  template TEXT NOT NULL,
  questions TEXT NOT NULL,
  contact_name TEXT NOT NULL DEFAULT '',
  contact_email TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'draft', 'submitted', 'accepted', 'follow_up')),
  answers TEXT NOT NULL DEFAULT '{}',
  score INTEGER,
  sent_by TEXT,
  sent_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  submitted_at TIMESTAMPTZ,
  reviewed_by TEXT,
  reviewed_at TIMESTAMPTZ,
  review_note TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, supplier_id) REFERENCES suppliers(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, sent_by) REFERENCES members(org_id, id),
  FOREIGN KEY (org_id, reviewed_by) REFERENCES members(org_id, id)
);
CREATE INDEX supplier_questionnaires_supplier ON supplier_questionnaires(org_id, supplier_id);

-- Files a supplier attached to its answers, in the blob store by SHA-256.
CREATE TABLE questionnaire_files (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  questionnaire_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  question TEXT NOT NULL DEFAULT '',
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (org_id, questionnaire_id, n),
  FOREIGN KEY (org_id, questionnaire_id) REFERENCES supplier_questionnaires(org_id, id) ON DELETE CASCADE
);
