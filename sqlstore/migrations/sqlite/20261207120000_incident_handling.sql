-- Incident handling (A.5.24–5.28): triage, severity on the organisation's own
-- scale, a handler, affected assets, an append-only timeline, lessons learned,
-- and for personal-data breaches the regulatory clocks (GDPR Art. 33/34, the
-- HIPAA Breach Notification Rule), each with its deadline and the notification
-- that stops it.
--
-- The incidents table gains columns with foreign keys, which SQLite cannot add to
-- a table in place: it is rebuilt by SQLite's documented procedure (the runner
-- turns foreign keys off around the migration and checks them before commit).
CREATE TABLE new_incidents (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'reported' CHECK (status IN ('reported', 'triaged', 'contained', 'eradicated', 'recovered', 'closed', 'not_an_incident')),
  reported_by TEXT,
  discovered_at TIMESTAMP,
  became_aware_at TIMESTAMP,
  category TEXT NOT NULL DEFAULT '',
  severity TEXT NOT NULL DEFAULT '',
  handler_id TEXT,
  not_incident_reason TEXT NOT NULL DEFAULT '',
  lessons_learned TEXT NOT NULL DEFAULT '',
  personal_data_breach BOOLEAN NOT NULL DEFAULT FALSE,
  breach_regimes TEXT NOT NULL DEFAULT '',
  individuals_affected INTEGER NOT NULL DEFAULT 0,
  most_in_one_state INTEGER NOT NULL DEFAULT 0,
  business_associate BOOLEAN NOT NULL DEFAULT FALSE,
  closed_at TIMESTAMP,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, reported_by) REFERENCES members(org_id, id),
  FOREIGN KEY (org_id, handler_id) REFERENCES members(org_id, id)
);
INSERT INTO new_incidents (rowid, id, org_id, ref, ref_number, title, description, status, reported_by, discovered_at, became_aware_at, version, created_at, updated_at)
  SELECT rowid, id, org_id, ref, ref_number, title, description, status, reported_by, discovered_at, COALESCE(discovered_at, created_at), version, created_at, updated_at FROM incidents;
DROP TABLE incidents;
ALTER TABLE new_incidents RENAME TO incidents;
CREATE INDEX incidents_list ON incidents(org_id, ref_number);
CREATE INDEX incidents_reporter ON incidents(org_id, reported_by);
CREATE INDEX incidents_open ON incidents(org_id, status, severity);

-- The organisation's severity scale; none stored means the default Low/Medium/High/Critical.
CREATE TABLE incident_levels (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  label TEXT NOT NULL,
  rank INTEGER NOT NULL,
  requires_lessons BOOLEAN NOT NULL DEFAULT FALSE,
  PRIMARY KEY (org_id, key)
);

CREATE TABLE incident_assets (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  incident_id TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  PRIMARY KEY (org_id, incident_id, asset_id),
  FOREIGN KEY (org_id, incident_id) REFERENCES incidents(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, asset_id) REFERENCES assets(org_id, id)
);

CREATE TABLE incident_risks (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  incident_id TEXT NOT NULL,
  risk_id TEXT NOT NULL,
  PRIMARY KEY (org_id, incident_id, risk_id),
  FOREIGN KEY (org_id, incident_id) REFERENCES incidents(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, risk_id) REFERENCES risks(org_id, id)
);

-- Evidence preserved (A.5.28): items of the evidence register kept for this incident.
CREATE TABLE incident_evidence (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  incident_id TEXT NOT NULL,
  evidence_id TEXT NOT NULL,
  PRIMARY KEY (org_id, incident_id, evidence_id),
  FOREIGN KEY (org_id, incident_id) REFERENCES incidents(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, evidence_id) REFERENCES evidence(org_id, id)
);

-- The timeline: who wrote what when. Entries are never changed.
CREATE TABLE incident_timeline (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  incident_id TEXT NOT NULL,
  at TIMESTAMP NOT NULL,
  member_id TEXT,
  kind TEXT NOT NULL CHECK (kind IN ('note', 'status', 'breach', 'notification', 'assignment')),
  text TEXT NOT NULL,
  FOREIGN KEY (org_id, incident_id) REFERENCES incidents(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, member_id) REFERENCES members(org_id, id)
);
CREATE INDEX incident_timeline_incident ON incident_timeline(org_id, incident_id, at);
CREATE TRIGGER incident_timeline_no_update BEFORE UPDATE ON incident_timeline
BEGIN SELECT RAISE(ABORT, 'an incident timeline entry cannot be changed'); END;

-- Regulatory clocks of a personal-data breach: one per notification a regime requires.
CREATE TABLE incident_clocks (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  incident_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  regime TEXT NOT NULL,
  starts_at TIMESTAMP NOT NULL,
  due_at TIMESTAMP,
  high_risk BOOLEAN,
  decision_reason TEXT NOT NULL DEFAULT '',
  notified_at TIMESTAMP,
  notified_to TEXT NOT NULL DEFAULT '',
  reference TEXT NOT NULL DEFAULT '',
  late_reason TEXT NOT NULL DEFAULT '',
  not_required_reason TEXT NOT NULL DEFAULT '',
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  UNIQUE (org_id, incident_id, kind),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, incident_id) REFERENCES incidents(org_id, id) ON DELETE CASCADE
);
CREATE INDEX incident_clocks_due ON incident_clocks(org_id, notified_at, due_at);
