-- The framework catalog (loaded by the Go migration that follows), each
-- organisation's control set, the asset register and its classification scheme.
CREATE TABLE frameworks (
  id TEXT PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  publisher TEXT NOT NULL,
  description TEXT NOT NULL,
  sort_order INTEGER NOT NULL
);

CREATE TABLE requirements (
  id TEXT PRIMARY KEY,
  framework_id TEXT NOT NULL REFERENCES frameworks(id),
  ref TEXT NOT NULL,
  title TEXT NOT NULL,
  display_title TEXT NOT NULL,
  kind TEXT NOT NULL,
  parent_ref TEXT NOT NULL,
  official_text TEXT NOT NULL,
  guidance TEXT NOT NULL,
  evidence TEXT NOT NULL,
  sort_order INTEGER NOT NULL,
  search_text TEXT NOT NULL,
  UNIQUE (framework_id, ref)
);
CREATE INDEX requirements_order ON requirements(framework_id, sort_order);

CREATE TABLE requirement_attributes (
  requirement_id TEXT NOT NULL REFERENCES requirements(id),
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (requirement_id, name, value)
);
CREATE INDEX requirement_attributes_value ON requirement_attributes(name, value);

CREATE TABLE requirement_mappings (
  from_id TEXT NOT NULL REFERENCES requirements(id),
  to_id TEXT NOT NULL REFERENCES requirements(id),
  detail_ref TEXT NOT NULL,
  detail_title TEXT NOT NULL,
  relationship TEXT NOT NULL,
  source TEXT NOT NULL,
  PRIMARY KEY (from_id, to_id, detail_ref)
);
CREATE INDEX requirement_mappings_to ON requirement_mappings(to_id);

-- Per-organisation counters for human references (A-001, C-001 …).
CREATE TABLE ref_counters (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  next_number INTEGER NOT NULL,
  PRIMARY KEY (org_id, kind)
);

CREATE TABLE controls (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  requirement_id TEXT REFERENCES requirements(id),
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  owner_id TEXT REFERENCES members(id),
  status TEXT NOT NULL DEFAULT 'not_started',
  implementation TEXT NOT NULL DEFAULT '',
  review_date TEXT,
  sort_order INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  archived_at TIMESTAMP,
  UNIQUE (org_id, ref)
);
CREATE INDEX controls_list ON controls(org_id, sort_order);
CREATE INDEX controls_owner ON controls(org_id, owner_id);

-- How a control meets requirements of every framework: from a published mapping,
-- derived through another framework, or stated by a person.
CREATE TABLE control_requirements (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  control_id TEXT NOT NULL REFERENCES controls(id) ON DELETE CASCADE,
  requirement_id TEXT NOT NULL REFERENCES requirements(id),
  origin TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  PRIMARY KEY (org_id, control_id, requirement_id)
);
CREATE INDEX control_requirements_requirement ON control_requirements(org_id, requirement_id);

-- The one link between controls and risks, used by risk treatment and the SoA.
-- risk_id gains its foreign key when the risk register arrives.
CREATE TABLE control_risks (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  control_id TEXT NOT NULL REFERENCES controls(id) ON DELETE CASCADE,
  risk_id TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  PRIMARY KEY (org_id, control_id, risk_id)
);
CREATE INDEX control_risks_risk ON control_risks(org_id, risk_id);

CREATE TABLE classification_levels (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (org_id, name)
);

CREATE TABLE assets (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  owner_id TEXT REFERENCES members(id),
  custodian_id TEXT REFERENCES members(id),
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
  UNIQUE (org_id, ref)
);
CREATE INDEX assets_by_number ON assets(org_id, ref_number, id);
CREATE INDEX assets_by_name ON assets(org_id, name, id);
CREATE INDEX assets_owner ON assets(org_id, owner_id);

CREATE TABLE asset_tags (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (org_id, asset_id, tag)
);
CREATE INDEX asset_tags_tag ON asset_tags(org_id, tag);

-- Full-text search over assets (FTS5, kept in step by triggers).
CREATE VIRTUAL TABLE assets_fts USING fts5(ref, name, description, location, tags, content='assets', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
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
