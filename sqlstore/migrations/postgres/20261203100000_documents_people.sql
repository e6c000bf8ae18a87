-- Documented information (7.5): the document register, its working copies and
-- their published revisions; the workforce (7.2) with groups; acknowledgements
-- (7.3) and training (A.6.3); full-text search over documents, risks and controls.

-- The organisation's key for personal signed links (acknowledgements, training):
-- random per organisation, so one tenant's links say nothing about another's.
ALTER TABLE organisations ADD COLUMN link_key TEXT NOT NULL DEFAULT '';

CREATE TABLE people (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  name TEXT NOT NULL,
  email TEXT NOT NULL DEFAULT '',
  department TEXT NOT NULL DEFAULT '',
  manager_id TEXT,
  start_date TEXT,
  status TEXT NOT NULL DEFAULT 'active',
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  archived_at TIMESTAMPTZ,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, manager_id) REFERENCES people(org_id, id)
);
CREATE INDEX people_list ON people(org_id, ref_number);
CREATE UNIQUE INDEX people_email ON people(org_id, email) WHERE email <> '';

CREATE TABLE person_groups (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  UNIQUE (org_id, id)
);
CREATE UNIQUE INDEX person_groups_name ON person_groups(org_id, LOWER(name));

CREATE TABLE group_members (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  group_id TEXT NOT NULL,
  person_id TEXT NOT NULL,
  PRIMARY KEY (org_id, group_id, person_id),
  FOREIGN KEY (org_id, group_id) REFERENCES person_groups(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, person_id) REFERENCES people(org_id, id) ON DELETE CASCADE
);
CREATE INDEX group_members_person ON group_members(org_id, person_id);

CREATE TABLE documents (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  type TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  owner_id TEXT,
  classification TEXT NOT NULL DEFAULT '',
  review_months INTEGER NOT NULL DEFAULT 12,
  next_review_date TEXT,
  status TEXT NOT NULL DEFAULT 'draft',
  published_major INTEGER,
  published_minor INTEGER,
  file_sha256 TEXT,
  file_name TEXT NOT NULL DEFAULT '',
  file_type TEXT NOT NULL DEFAULT '',
  file_size BIGINT NOT NULL DEFAULT 0,
  -- Who submitted the working copy or edited it since the last publication (' | '):
  -- with segregation of duties, none of them approves it.
  authors TEXT NOT NULL DEFAULT '',
  submitted_by TEXT,
  submitted_at TIMESTAMPTZ,
  approved_by TEXT,
  approved_at TIMESTAMPTZ,
  return_comment TEXT NOT NULL DEFAULT '',
  template_id TEXT NOT NULL DEFAULT '',
  created_by TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  archived_at TIMESTAMPTZ,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id),
  FOREIGN KEY (org_id, submitted_by) REFERENCES members(org_id, id),
  FOREIGN KEY (org_id, approved_by) REFERENCES members(org_id, id),
  FOREIGN KEY (org_id, created_by) REFERENCES members(org_id, id)
);
CREATE INDEX documents_list ON documents(org_id, ref_number);
CREATE INDEX documents_review ON documents(org_id, next_review_date);
-- The search vector is stored: ranking reads it instead of parsing every matching body again.
ALTER TABLE documents ADD COLUMN search_vector tsvector GENERATED ALWAYS AS
  (setweight(to_tsvector('simple', ref || ' ' || title), 'A') || setweight(to_tsvector('simple', body), 'D')) STORED;
CREATE INDEX documents_search ON documents USING GIN (search_vector);

CREATE TABLE document_controls (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  document_id TEXT NOT NULL,
  control_id TEXT NOT NULL,
  PRIMARY KEY (org_id, document_id, control_id),
  FOREIGN KEY (org_id, document_id) REFERENCES documents(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, control_id) REFERENCES controls(org_id, id)
);
CREATE INDEX document_controls_control ON document_controls(org_id, control_id);

CREATE TABLE document_requirements (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  document_id TEXT NOT NULL,
  requirement_id TEXT NOT NULL REFERENCES requirements(id),
  PRIMARY KEY (org_id, document_id, requirement_id),
  FOREIGN KEY (org_id, document_id) REFERENCES documents(org_id, id) ON DELETE CASCADE
);
CREATE INDEX document_requirements_requirement ON document_requirements(org_id, requirement_id);

-- Uploaded document content (an existing Word or PDF policy), by SHA-256 within an
-- organisation: a revision and the working copy share one row.
CREATE TABLE document_files (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  sha256 TEXT NOT NULL,
  content BYTEA NOT NULL,
  PRIMARY KEY (org_id, sha256)
);

-- Published revisions, never changed once written (the trigger refuses updates).
CREATE TABLE document_revisions (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  document_id TEXT NOT NULL,
  major INTEGER NOT NULL,
  minor INTEGER NOT NULL,
  type TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  classification TEXT NOT NULL,
  file_sha256 TEXT,
  file_name TEXT NOT NULL,
  file_type TEXT NOT NULL,
  file_size BIGINT NOT NULL,
  change_summary TEXT NOT NULL,
  authors TEXT NOT NULL,
  approved_by TEXT NOT NULL,
  approved_at TIMESTAMPTZ NOT NULL,
  published_by TEXT NOT NULL,
  published_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (org_id, document_id, major, minor),
  FOREIGN KEY (org_id, document_id) REFERENCES documents(org_id, id),
  FOREIGN KEY (org_id, approved_by) REFERENCES members(org_id, id),
  FOREIGN KEY (org_id, published_by) REFERENCES members(org_id, id)
);
CREATE FUNCTION document_revisions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'a published document revision cannot be changed';
END;
$$;
CREATE TRIGGER document_revisions_no_update BEFORE UPDATE ON document_revisions
  FOR EACH ROW EXECUTE FUNCTION document_revisions_immutable();

-- Search over risks and controls (documents above; assets have theirs).
-- Risks and controls are short texts, scanned whole by the registers' own pages: an expression index, no
-- stored vector (a stored one widened every risk row and slowed readiness at 20,000 risks from 15 to 31 ms).
CREATE INDEX risks_search ON risks USING GIN (to_tsvector('simple', ref || ' ' || title || ' ' || description || ' ' || threat || ' ' || vulnerability || ' ' || category));
CREATE INDEX controls_search ON controls USING GIN (to_tsvector('simple', ref || ' ' || title || ' ' || description || ' ' || implementation));

-- Acknowledgement (7.3, A.5.1): who was asked to read which revision, and who
-- confirmed it, of that exact revision, from their account or a personal link.
CREATE TABLE ack_requests (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  document_id TEXT NOT NULL,
  major INTEGER NOT NULL,
  minor INTEGER NOT NULL,
  audience TEXT NOT NULL,
  requested_by TEXT,
  requested_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, document_id) REFERENCES documents(org_id, id),
  FOREIGN KEY (org_id, requested_by) REFERENCES members(org_id, id)
);
CREATE INDEX ack_requests_document ON ack_requests(org_id, document_id, requested_at);

-- One row per person asked; document and revision repeated so that what a person
-- still owes is one indexed look-up.
CREATE TABLE ack_recipients (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  request_id TEXT NOT NULL,
  person_id TEXT NOT NULL,
  document_id TEXT NOT NULL,
  major INTEGER NOT NULL,
  minor INTEGER NOT NULL,
  PRIMARY KEY (org_id, request_id, person_id),
  FOREIGN KEY (org_id, request_id) REFERENCES ack_requests(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, person_id) REFERENCES people(org_id, id)
);
CREATE INDEX ack_recipients_person ON ack_recipients(org_id, person_id, document_id);
CREATE INDEX ack_recipients_document ON ack_recipients(org_id, document_id, major);

CREATE TABLE acknowledgements (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  document_id TEXT NOT NULL,
  person_id TEXT NOT NULL,
  major INTEGER NOT NULL,
  minor INTEGER NOT NULL,
  acknowledged_at TIMESTAMPTZ NOT NULL,
  via TEXT NOT NULL,
  member_id TEXT,
  UNIQUE (org_id, document_id, person_id, major, minor),
  FOREIGN KEY (org_id, document_id) REFERENCES documents(org_id, id),
  FOREIGN KEY (org_id, person_id) REFERENCES people(org_id, id),
  FOREIGN KEY (org_id, member_id) REFERENCES members(org_id, id)
);
CREATE INDEX acknowledgements_person ON acknowledgements(org_id, person_id, document_id);

-- Training and awareness (7.2, 7.3, A.6.3): modules with an optional quiz,
-- campaigns that assign them to everyone, groups or people, and the records.
CREATE TABLE trainings (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  content TEXT NOT NULL DEFAULT '',
  minutes INTEGER NOT NULL DEFAULT 0,
  pass_mark INTEGER,
  quiz TEXT NOT NULL DEFAULT '[]',
  builtin_id TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  archived_at TIMESTAMPTZ,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id)
);

CREATE TABLE training_campaigns (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  title TEXT NOT NULL,
  everyone BOOLEAN NOT NULL DEFAULT FALSE,
  start_date TEXT NOT NULL,
  due_date TEXT NOT NULL,
  recurrence TEXT NOT NULL DEFAULT 'none',
  status TEXT NOT NULL DEFAULT 'active',
  created_by TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, created_by) REFERENCES members(org_id, id)
);

CREATE TABLE campaign_trainings (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  campaign_id TEXT NOT NULL,
  training_id TEXT NOT NULL,
  PRIMARY KEY (org_id, campaign_id, training_id),
  FOREIGN KEY (org_id, campaign_id) REFERENCES training_campaigns(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, training_id) REFERENCES trainings(org_id, id)
);

-- A campaign's audience: groups and named people (everyone is a flag), read when
-- it is evaluated, so that someone who joins a group later is assigned too.
CREATE TABLE campaign_groups (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  campaign_id TEXT NOT NULL,
  group_id TEXT NOT NULL,
  PRIMARY KEY (org_id, campaign_id, group_id),
  FOREIGN KEY (org_id, campaign_id) REFERENCES training_campaigns(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, group_id) REFERENCES person_groups(org_id, id) ON DELETE CASCADE
);
CREATE TABLE campaign_people (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  campaign_id TEXT NOT NULL,
  person_id TEXT NOT NULL,
  PRIMARY KEY (org_id, campaign_id, person_id),
  FOREIGN KEY (org_id, campaign_id) REFERENCES training_campaigns(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, person_id) REFERENCES people(org_id, id)
);

-- Each completion or attempt, with its score: evidence of competence (7.2).
CREATE TABLE training_records (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  training_id TEXT NOT NULL,
  person_id TEXT NOT NULL,
  campaign_id TEXT,
  completed_at TIMESTAMPTZ NOT NULL,
  score INTEGER,
  passed BOOLEAN NOT NULL,
  via TEXT NOT NULL,
  member_id TEXT,
  notes TEXT NOT NULL DEFAULT '',
  FOREIGN KEY (org_id, training_id) REFERENCES trainings(org_id, id),
  FOREIGN KEY (org_id, person_id) REFERENCES people(org_id, id),
  FOREIGN KEY (org_id, campaign_id) REFERENCES training_campaigns(org_id, id),
  FOREIGN KEY (org_id, member_id) REFERENCES members(org_id, id)
);
CREATE INDEX training_records_person ON training_records(org_id, person_id, training_id, completed_at);
CREATE INDEX training_records_training ON training_records(org_id, training_id, completed_at);

-- Incidents (A.5.24–5.28, A.6.8): every member reports a security event or
-- weakness; the incident issue adds handling, severity and regulatory clocks.
CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'reported',
  reported_by TEXT,
  discovered_at TIMESTAMPTZ,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, reported_by) REFERENCES members(org_id, id)
);
CREATE INDEX incidents_list ON incidents(org_id, ref_number);
CREATE INDEX incidents_reporter ON incidents(org_id, reported_by);
