-- Risk management: the versioned methodology, the threat and vulnerability
-- library, the risk register with its assets, sign-offs, treatment actions and
-- reassessment timeline.
CREATE TABLE risk_methodologies (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  approved_by TEXT,
  approved_at TIMESTAMPTZ,
  PRIMARY KEY (org_id, version)
);

CREATE TABLE risk_library (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  ref TEXT NOT NULL,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  description TEXT NOT NULL,
  controls TEXT NOT NULL,
  affects TEXT NOT NULL,
  archived_at TIMESTAMPTZ,
  UNIQUE (org_id, kind, ref)
);

CREATE TABLE risks (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL DEFAULT '',
  threat TEXT NOT NULL DEFAULT '',
  vulnerability TEXT NOT NULL DEFAULT '',
  threat_id TEXT REFERENCES risk_library(id),
  vulnerability_id TEXT REFERENCES risk_library(id),
  owner_id TEXT REFERENCES members(id),
  affects_confidentiality BOOLEAN NOT NULL DEFAULT FALSE,
  affects_integrity BOOLEAN NOT NULL DEFAULT FALSE,
  affects_availability BOOLEAN NOT NULL DEFAULT FALSE,
  inherent_likelihood INTEGER,
  inherent_impact INTEGER,
  inherent_score INTEGER,
  inherent_level TEXT,
  treatment TEXT,
  residual_likelihood INTEGER,
  residual_impact INTEGER,
  residual_score INTEGER,
  residual_level TEXT,
  target_date TEXT,
  status TEXT NOT NULL DEFAULT 'draft',
  review_date TEXT,
  methodology_version INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  archived_at TIMESTAMPTZ,
  UNIQUE (org_id, ref)
);
CREATE INDEX risks_by_number ON risks(org_id, ref_number, id);
-- Sorts by score and review date use these expressions, so the indexes serve them.
CREATE INDEX risks_by_inherent_score ON risks(org_id, (COALESCE(inherent_score, 0)), id);
CREATE INDEX risks_by_residual_score ON risks(org_id, (COALESCE(residual_score, 0)), id);
CREATE INDEX risks_by_review ON risks(org_id, (COALESCE(review_date, '')), id);
-- Heat maps count live risks per cell without touching the table.
CREATE INDEX risks_inherent_cell ON risks(org_id, methodology_version, inherent_likelihood, inherent_impact) WHERE archived_at IS NULL;
CREATE INDEX risks_residual_cell ON risks(org_id, methodology_version, residual_likelihood, residual_impact) WHERE archived_at IS NULL;
CREATE INDEX risks_owner ON risks(org_id, owner_id);
CREATE INDEX risks_review ON risks(org_id, review_date) WHERE archived_at IS NULL;

CREATE TABLE risk_assets (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  risk_id TEXT NOT NULL REFERENCES risks(id) ON DELETE CASCADE,
  asset_id TEXT NOT NULL REFERENCES assets(id),
  PRIMARY KEY (org_id, risk_id, asset_id)
);
CREATE INDEX risk_assets_asset ON risk_assets(org_id, asset_id);

CREATE TABLE risk_signoffs (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  risk_id TEXT NOT NULL REFERENCES risks(id) ON DELETE CASCADE,
  signer_id TEXT NOT NULL REFERENCES members(id),
  as_owner BOOLEAN NOT NULL,
  as_approver BOOLEAN NOT NULL,
  comment TEXT NOT NULL,
  residual_level TEXT,
  at TIMESTAMPTZ NOT NULL,
  voided_at TIMESTAMPTZ
);
CREATE INDEX risk_signoffs_risk ON risk_signoffs(org_id, risk_id, at);

CREATE TABLE risk_actions (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  risk_id TEXT NOT NULL REFERENCES risks(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  owner_id TEXT REFERENCES members(id),
  due_date TEXT,
  status TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX risk_actions_risk ON risk_actions(org_id, risk_id);
CREATE INDEX risk_actions_owner ON risk_actions(org_id, owner_id, status, due_date);

CREATE TABLE risk_reviews (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  risk_id TEXT NOT NULL REFERENCES risks(id) ON DELETE CASCADE,
  actor_id TEXT NOT NULL,
  at TIMESTAMPTZ NOT NULL,
  reason TEXT NOT NULL,
  changes TEXT NOT NULL
);
CREATE INDEX risk_reviews_risk ON risk_reviews(org_id, risk_id, at);

-- Heat-map counts per cell, kept in step with the risks in the same transaction,
-- so the heat map reads a few rows however large the register grows.
CREATE TABLE risk_heat (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  methodology_version INTEGER NOT NULL,
  kind TEXT NOT NULL,
  likelihood INTEGER NOT NULL,
  impact INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (org_id, methodology_version, kind, likelihood, impact)
);
