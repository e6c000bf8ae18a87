-- Tenant isolation the database enforces: every foreign key from one row of an
-- organisation to another carries org_id, (org_id, x_id) REFERENCES t(org_id, id),
-- so a row can only point at a row of its own organisation, whatever the code
-- above does. References to global rows (users, frameworks, requirements) stay
-- single-column. control_risks.risk_id and import_uploads.member_id gain the
-- foreign key they never had.
--
-- SQLite cannot change a table's foreign keys in place, so each table that links
-- tenant rows is rebuilt by SQLite's documented procedure (ALTER TABLE, "making
-- other kinds of table schema changes"): create the new table, copy the rows
-- (with their rowids, which assets_fts points at), drop the old table, rename the
-- new one, recreate its indexes and triggers. The runner turns foreign keys off
-- around the migration transaction (so DROP TABLE deletes nothing by cascade) and
-- refuses the migration unless PRAGMA foreign_key_check is clean before commit.
--
-- ON DELETE semantics are unchanged: CASCADE stays CASCADE; the rest is NO ACTION
-- (members are never deleted, and the others are archived, not deleted). The two
-- new keys cascade: a control's link to a risk goes with the risk, an upload with
-- its member.
--
-- Left without a foreign key on purpose: actor columns (created_by, approved_by,
-- actor_id), which hold "cli:…", "system" or user ids; audit_log, which outlives
-- what it records; risks.methodology_version and risk_heat, whose references are
-- (org_id, version) already, so they cannot cross organisations.

-- Referenced tables: a foreign key must name a unique key.
CREATE UNIQUE INDEX members_org_id_id_key ON members(org_id, id);
CREATE UNIQUE INDEX risk_library_org_id_id_key ON risk_library(org_id, id);

-- api_tokens
CREATE TABLE new_api_tokens (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  member_id TEXT NOT NULL,
  name TEXT NOT NULL,
  scope TEXT NOT NULL DEFAULT '',
  token_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  last_used_at TIMESTAMP,
  revoked_at TIMESTAMP,
  FOREIGN KEY (org_id, member_id) REFERENCES members(org_id, id) ON DELETE CASCADE
);
INSERT INTO new_api_tokens (rowid, id, org_id, member_id, name, scope, token_hash, prefix, created_at, last_used_at, revoked_at)
  SELECT rowid, id, org_id, member_id, name, scope, token_hash, prefix, created_at, last_used_at, revoked_at FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE new_api_tokens RENAME TO api_tokens;
CREATE INDEX api_tokens_member ON api_tokens(org_id, member_id);

-- import_uploads: member_id (always the uploading member: only the web keeps
-- uploads) gains a foreign key, so an upload goes with its member.
CREATE TABLE new_import_uploads (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  member_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  filename TEXT NOT NULL,
  content BLOB NOT NULL,
  created_at TIMESTAMP NOT NULL,
  FOREIGN KEY (org_id, member_id) REFERENCES members(org_id, id) ON DELETE CASCADE
);
INSERT INTO new_import_uploads (rowid, id, org_id, member_id, kind, filename, content, created_at)
  SELECT rowid, id, org_id, member_id, kind, filename, content, created_at FROM import_uploads;
DROP TABLE import_uploads;
ALTER TABLE new_import_uploads RENAME TO import_uploads;
CREATE INDEX import_uploads_created ON import_uploads(created_at);

-- controls
CREATE TABLE new_controls (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  requirement_id TEXT REFERENCES requirements(id),
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  owner_id TEXT,
  status TEXT NOT NULL DEFAULT 'not_started',
  implementation TEXT NOT NULL DEFAULT '',
  review_date TEXT,
  sort_order INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  archived_at TIMESTAMP,
  UNIQUE (org_id, ref),
  FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id)
);
INSERT INTO new_controls (rowid, id, org_id, ref, requirement_id, title, description, owner_id, status, implementation, review_date, sort_order, version, created_at, updated_at, archived_at)
  SELECT rowid, id, org_id, ref, requirement_id, title, description, owner_id, status, implementation, review_date, sort_order, version, created_at, updated_at, archived_at FROM controls;
DROP TABLE controls;
ALTER TABLE new_controls RENAME TO controls;
CREATE UNIQUE INDEX controls_org_id_id_key ON controls(org_id, id);
CREATE INDEX controls_list ON controls(org_id, sort_order);
CREATE INDEX controls_owner ON controls(org_id, owner_id);

-- control_requirements
CREATE TABLE new_control_requirements (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  control_id TEXT NOT NULL,
  requirement_id TEXT NOT NULL REFERENCES requirements(id),
  origin TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  PRIMARY KEY (org_id, control_id, requirement_id),
  FOREIGN KEY (org_id, control_id) REFERENCES controls(org_id, id) ON DELETE CASCADE
);
INSERT INTO new_control_requirements (rowid, org_id, control_id, requirement_id, origin, created_at)
  SELECT rowid, org_id, control_id, requirement_id, origin, created_at FROM control_requirements;
DROP TABLE control_requirements;
ALTER TABLE new_control_requirements RENAME TO control_requirements;
CREATE INDEX control_requirements_requirement ON control_requirements(org_id, requirement_id);

-- control_risks: risk_id gains its foreign key.
CREATE TABLE new_control_risks (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  control_id TEXT NOT NULL,
  risk_id TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  PRIMARY KEY (org_id, control_id, risk_id),
  FOREIGN KEY (org_id, control_id) REFERENCES controls(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, risk_id) REFERENCES risks(org_id, id) ON DELETE CASCADE
);
INSERT INTO new_control_risks (rowid, org_id, control_id, risk_id, created_at)
  SELECT rowid, org_id, control_id, risk_id, created_at FROM control_risks;
DROP TABLE control_risks;
ALTER TABLE new_control_risks RENAME TO control_risks;
CREATE INDEX control_risks_risk ON control_risks(org_id, risk_id);

-- assets, with the triggers that keep assets_fts in step.
CREATE TABLE new_assets (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  owner_id TEXT,
  custodian_id TEXT,
  location TEXT NOT NULL DEFAULT '',
  classification TEXT NOT NULL DEFAULT '',
  confidentiality INTEGER,
  integrity INTEGER,
  availability INTEGER,
  personal_data BOOLEAN NOT NULL DEFAULT FALSE,
  status TEXT NOT NULL DEFAULT 'in_use',
  review_date TEXT,
  tags TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  archived_at TIMESTAMP,
  UNIQUE (org_id, ref),
  FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id),
  FOREIGN KEY (org_id, custodian_id) REFERENCES members(org_id, id)
);
INSERT INTO new_assets (rowid, id, org_id, ref, ref_number, name, type, description, owner_id, custodian_id, location, classification,
    confidentiality, integrity, availability, personal_data, status, review_date, tags, version, created_at, updated_at, archived_at)
  SELECT rowid, id, org_id, ref, ref_number, name, type, description, owner_id, custodian_id, location, classification,
    confidentiality, integrity, availability, personal_data, status, review_date, tags, version, created_at, updated_at, archived_at FROM assets;
DROP TABLE assets;
ALTER TABLE new_assets RENAME TO assets;
CREATE UNIQUE INDEX assets_org_id_id_key ON assets(org_id, id);
CREATE INDEX assets_by_number ON assets(org_id, ref_number, id);
CREATE INDEX assets_by_name ON assets(org_id, name, id);
CREATE INDEX assets_owner ON assets(org_id, owner_id);
CREATE TRIGGER assets_fts_insert AFTER INSERT ON assets BEGIN
  INSERT INTO assets_fts(rowid, ref, name, description, location, tags) VALUES (new.rowid, new.ref, new.name, new.description, new.location, new.tags);
END;
CREATE TRIGGER assets_fts_delete AFTER DELETE ON assets BEGIN
  INSERT INTO assets_fts(assets_fts, rowid, ref, name, description, location, tags) VALUES ('delete', old.rowid, old.ref, old.name, old.description, old.location, old.tags);
END;
CREATE TRIGGER assets_fts_update AFTER UPDATE ON assets BEGIN
  INSERT INTO assets_fts(assets_fts, rowid, ref, name, description, location, tags) VALUES ('delete', old.rowid, old.ref, old.name, old.description, old.location, old.tags);
  INSERT INTO assets_fts(rowid, ref, name, description, location, tags) VALUES (new.rowid, new.ref, new.name, new.description, new.location, new.tags);
END;
-- The rowids were kept, so the index is still right; rebuild it anyway, from the
-- table as it now is.
INSERT INTO assets_fts(assets_fts) VALUES ('rebuild');

-- asset_tags
CREATE TABLE new_asset_tags (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  asset_id TEXT NOT NULL,
  tag TEXT NOT NULL,
  PRIMARY KEY (org_id, asset_id, tag),
  FOREIGN KEY (org_id, asset_id) REFERENCES assets(org_id, id) ON DELETE CASCADE
);
INSERT INTO new_asset_tags (rowid, org_id, asset_id, tag)
  SELECT rowid, org_id, asset_id, tag FROM asset_tags;
DROP TABLE asset_tags;
ALTER TABLE new_asset_tags RENAME TO asset_tags;
CREATE INDEX asset_tags_tag ON asset_tags(org_id, tag);

-- risks
CREATE TABLE new_risks (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL DEFAULT '',
  threat TEXT NOT NULL DEFAULT '',
  vulnerability TEXT NOT NULL DEFAULT '',
  threat_id TEXT,
  vulnerability_id TEXT,
  owner_id TEXT,
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
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  archived_at TIMESTAMP,
  UNIQUE (org_id, ref),
  FOREIGN KEY (org_id, threat_id) REFERENCES risk_library(org_id, id),
  FOREIGN KEY (org_id, vulnerability_id) REFERENCES risk_library(org_id, id),
  FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id)
);
INSERT INTO new_risks (rowid, id, org_id, ref, ref_number, title, description, category, threat, vulnerability, threat_id, vulnerability_id, owner_id,
    affects_confidentiality, affects_integrity, affects_availability, inherent_likelihood, inherent_impact, inherent_score, inherent_level,
    treatment, residual_likelihood, residual_impact, residual_score, residual_level, target_date, status, review_date, methodology_version,
    version, created_at, updated_at, archived_at)
  SELECT rowid, id, org_id, ref, ref_number, title, description, category, threat, vulnerability, threat_id, vulnerability_id, owner_id,
    affects_confidentiality, affects_integrity, affects_availability, inherent_likelihood, inherent_impact, inherent_score, inherent_level,
    treatment, residual_likelihood, residual_impact, residual_score, residual_level, target_date, status, review_date, methodology_version,
    version, created_at, updated_at, archived_at FROM risks;
DROP TABLE risks;
ALTER TABLE new_risks RENAME TO risks;
CREATE UNIQUE INDEX risks_org_id_id_key ON risks(org_id, id);
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

-- risk_assets
CREATE TABLE new_risk_assets (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  risk_id TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  PRIMARY KEY (org_id, risk_id, asset_id),
  FOREIGN KEY (org_id, risk_id) REFERENCES risks(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, asset_id) REFERENCES assets(org_id, id)
);
INSERT INTO new_risk_assets (rowid, org_id, risk_id, asset_id)
  SELECT rowid, org_id, risk_id, asset_id FROM risk_assets;
DROP TABLE risk_assets;
ALTER TABLE new_risk_assets RENAME TO risk_assets;
CREATE INDEX risk_assets_asset ON risk_assets(org_id, asset_id);

-- risk_signoffs
CREATE TABLE new_risk_signoffs (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  risk_id TEXT NOT NULL,
  signer_id TEXT NOT NULL,
  as_owner BOOLEAN NOT NULL,
  as_approver BOOLEAN NOT NULL,
  comment TEXT NOT NULL,
  residual_level TEXT,
  at TIMESTAMP NOT NULL,
  voided_at TIMESTAMP,
  FOREIGN KEY (org_id, risk_id) REFERENCES risks(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, signer_id) REFERENCES members(org_id, id)
);
INSERT INTO new_risk_signoffs (rowid, id, org_id, risk_id, signer_id, as_owner, as_approver, comment, residual_level, at, voided_at)
  SELECT rowid, id, org_id, risk_id, signer_id, as_owner, as_approver, comment, residual_level, at, voided_at FROM risk_signoffs;
DROP TABLE risk_signoffs;
ALTER TABLE new_risk_signoffs RENAME TO risk_signoffs;
CREATE INDEX risk_signoffs_risk ON risk_signoffs(org_id, risk_id, at);

-- risk_actions
CREATE TABLE new_risk_actions (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  risk_id TEXT NOT NULL,
  title TEXT NOT NULL,
  owner_id TEXT,
  due_date TEXT,
  status TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  FOREIGN KEY (org_id, risk_id) REFERENCES risks(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id)
);
INSERT INTO new_risk_actions (rowid, id, org_id, risk_id, title, owner_id, due_date, status, version, created_at, updated_at)
  SELECT rowid, id, org_id, risk_id, title, owner_id, due_date, status, version, created_at, updated_at FROM risk_actions;
DROP TABLE risk_actions;
ALTER TABLE new_risk_actions RENAME TO risk_actions;
CREATE INDEX risk_actions_risk ON risk_actions(org_id, risk_id);
CREATE INDEX risk_actions_owner ON risk_actions(org_id, owner_id, status, due_date);

-- risk_reviews (actor_id is an actor, "cli:…" included, not a member reference)
CREATE TABLE new_risk_reviews (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  risk_id TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  at TIMESTAMP NOT NULL,
  reason TEXT NOT NULL,
  changes TEXT NOT NULL,
  FOREIGN KEY (org_id, risk_id) REFERENCES risks(org_id, id) ON DELETE CASCADE
);
INSERT INTO new_risk_reviews (rowid, id, org_id, risk_id, actor_id, at, reason, changes)
  SELECT rowid, id, org_id, risk_id, actor_id, at, reason, changes FROM risk_reviews;
DROP TABLE risk_reviews;
ALTER TABLE new_risk_reviews RENAME TO risk_reviews;
CREATE INDEX risk_reviews_risk ON risk_reviews(org_id, risk_id, at);
