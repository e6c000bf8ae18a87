-- Information security objectives (6.2) and their measurement (9.1): each
-- objective has an owner, a target in words, a deadline, links to the risks and
-- controls it concerns, and metrics; each metric has a numeric target, a
-- direction and a frequency, and its measurements are recorded by hand, imported
-- or computed from Bulwark's own registers.
CREATE TABLE objectives (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  owner_id TEXT,
  target TEXT NOT NULL DEFAULT '',
  deadline TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  archived_at TIMESTAMP,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id)
);
CREATE INDEX objectives_list ON objectives(org_id, ref_number);

CREATE TABLE objective_risks (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  objective_id TEXT NOT NULL,
  risk_id TEXT NOT NULL,
  PRIMARY KEY (org_id, objective_id, risk_id),
  FOREIGN KEY (org_id, objective_id) REFERENCES objectives(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, risk_id) REFERENCES risks(org_id, id)
);
CREATE INDEX objective_risks_risk ON objective_risks(org_id, risk_id);

CREATE TABLE objective_controls (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  objective_id TEXT NOT NULL,
  control_id TEXT NOT NULL,
  PRIMARY KEY (org_id, objective_id, control_id),
  FOREIGN KEY (org_id, objective_id) REFERENCES objectives(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, control_id) REFERENCES controls(org_id, id)
);
CREATE INDEX objective_controls_control ON objective_controls(org_id, control_id);

CREATE TABLE metrics (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  objective_id TEXT NOT NULL,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  name TEXT NOT NULL,
  unit TEXT NOT NULL DEFAULT '',
  direction TEXT NOT NULL CHECK (direction IN ('increase', 'decrease')),
  target REAL NOT NULL,
  frequency TEXT NOT NULL CHECK (frequency IN ('monthly', 'quarterly', 'yearly')),
  source TEXT NOT NULL DEFAULT 'manual',
  owner_id TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  archived_at TIMESTAMP,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, objective_id) REFERENCES objectives(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id)
);
CREATE INDEX metrics_objective ON metrics(org_id, objective_id);

-- One value per metric and day: recording a day again replaces its value.
CREATE TABLE measurements (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  metric_id TEXT NOT NULL,
  measured_on TEXT NOT NULL,
  value REAL NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL CHECK (source IN ('manual', 'import', 'computed')),
  recorded_by TEXT,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  UNIQUE (org_id, metric_id, measured_on),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, metric_id) REFERENCES metrics(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, recorded_by) REFERENCES members(org_id, id)
);
