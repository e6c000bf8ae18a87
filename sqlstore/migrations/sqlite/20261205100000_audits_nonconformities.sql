-- Nonconformity and corrective action (10.2): what did not conform, what was done at
-- once, why it happened, the actions that remove the cause, and whether they worked.
CREATE TABLE nonconformities (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  severity TEXT NOT NULL CHECK (severity IN ('major', 'minor')),
  source TEXT NOT NULL DEFAULT 'other' CHECK (source IN ('audit', 'incident', 'check', 'review', 'complaint', 'other')),
  source_ref TEXT NOT NULL DEFAULT '',
  requirement_id TEXT REFERENCES requirements(id),
  control_id TEXT,
  owner_id TEXT,
  raised_by TEXT,
  raised_on TEXT NOT NULL,
  due_date TEXT,
  delay_reason TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'analysed', 'actions_done', 'verified', 'closed')),
  correction TEXT NOT NULL DEFAULT '',
  correction_date TEXT,
  root_cause_method TEXT NOT NULL DEFAULT '' CHECK (root_cause_method IN ('', 'five_whys', 'fishbone', 'other')),
  root_cause_analysis TEXT NOT NULL DEFAULT '{}',
  root_cause TEXT NOT NULL DEFAULT '',
  occurs_elsewhere TEXT NOT NULL DEFAULT '',
  no_action_reason TEXT NOT NULL DEFAULT '',
  closed_at TIMESTAMP,
  closed_by TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, control_id) REFERENCES controls(org_id, id),
  FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id),
  FOREIGN KEY (org_id, raised_by) REFERENCES members(org_id, id),
  FOREIGN KEY (org_id, closed_by) REFERENCES members(org_id, id)
);
CREATE INDEX nonconformities_list ON nonconformities(org_id, ref_number);
CREATE INDEX nonconformities_open ON nonconformities(org_id, status, due_date);

-- Corrective actions (ACT-001): each removes a cause, with an owner and a due date.
CREATE TABLE corrective_actions (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  nonconformity_id TEXT NOT NULL,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  owner_id TEXT,
  due_date TEXT,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
  done_on TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, nonconformity_id) REFERENCES nonconformities(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id)
);
CREATE INDEX corrective_actions_nc ON corrective_actions(org_id, nonconformity_id);
CREATE INDEX corrective_actions_due ON corrective_actions(org_id, status, due_date);

-- Effectiveness reviews, kept: an ineffective one sends the nonconformity back for new actions.
CREATE TABLE effectiveness_reviews (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  nonconformity_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  reviewed_on TEXT NOT NULL,
  reviewer_id TEXT,
  result TEXT NOT NULL CHECK (result IN ('effective', 'ineffective')),
  notes TEXT NOT NULL DEFAULT '',
  created_at TIMESTAMP NOT NULL,
  PRIMARY KEY (org_id, nonconformity_id, n),
  FOREIGN KEY (org_id, nonconformity_id) REFERENCES nonconformities(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, reviewer_id) REFERENCES members(org_id, id)
);

-- Audits (9.2) and their programme: internal, certification and supplier audits.
CREATE TABLE audits (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  title TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('internal', 'external_stage1', 'external_stage2', 'surveillance', 'supplier')),
  criteria TEXT NOT NULL DEFAULT '',
  scope TEXT NOT NULL DEFAULT '',
  planned_start TEXT,
  planned_end TEXT,
  actual_start TEXT,
  actual_end TEXT,
  lead_id TEXT,
  lead_external TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'in_progress', 'reporting', 'closed')),
  conclusion TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, lead_id) REFERENCES members(org_id, id)
);
CREATE INDEX audits_list ON audits(org_id, ref_number);
CREATE INDEX audits_year ON audits(org_id, planned_start);

-- An audit's team besides its lead: members, or named externals (member_id NULL).
CREATE TABLE audit_team (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  audit_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  member_id TEXT,
  external_name TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (org_id, audit_id, n),
  FOREIGN KEY (org_id, audit_id) REFERENCES audits(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, member_id) REFERENCES members(org_id, id)
);
CREATE INDEX audit_team_member ON audit_team(org_id, member_id);

-- The criteria (frameworks) and the requirements and controls an audit's scope names.
CREATE TABLE audit_frameworks (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  audit_id TEXT NOT NULL,
  framework_id TEXT NOT NULL REFERENCES frameworks(id),
  PRIMARY KEY (org_id, audit_id, framework_id),
  FOREIGN KEY (org_id, audit_id) REFERENCES audits(org_id, id) ON DELETE CASCADE
);
CREATE TABLE audit_requirements (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  audit_id TEXT NOT NULL,
  requirement_id TEXT NOT NULL REFERENCES requirements(id),
  PRIMARY KEY (org_id, audit_id, requirement_id),
  FOREIGN KEY (org_id, audit_id) REFERENCES audits(org_id, id) ON DELETE CASCADE
);
CREATE TABLE audit_controls (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  audit_id TEXT NOT NULL,
  control_id TEXT NOT NULL,
  PRIMARY KEY (org_id, audit_id, control_id),
  FOREIGN KEY (org_id, audit_id) REFERENCES audits(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, control_id) REFERENCES controls(org_id, id)
);

-- An audit's checklist: one line per requirement or control in scope, with its result.
CREATE TABLE audit_checklist (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  audit_id TEXT NOT NULL,
  line INTEGER NOT NULL,
  requirement_id TEXT REFERENCES requirements(id),
  control_id TEXT,
  label TEXT NOT NULL,
  question TEXT NOT NULL,
  records TEXT NOT NULL DEFAULT '',
  result TEXT NOT NULL DEFAULT 'not_audited' CHECK (result IN ('conforming', 'nonconforming', 'observation', 'not_audited')),
  notes TEXT NOT NULL DEFAULT '',
  evidence_ids TEXT NOT NULL DEFAULT '',
  audited_by TEXT,
  audited_at TIMESTAMP,
  PRIMARY KEY (org_id, audit_id, line),
  FOREIGN KEY (org_id, audit_id) REFERENCES audits(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, control_id) REFERENCES controls(org_id, id),
  FOREIGN KEY (org_id, audited_by) REFERENCES members(org_id, id)
);

-- Findings (F-001): from an audit's checklist line or raised directly; a major or
-- minor nonconformity opens a nonconformity.
CREATE TABLE findings (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  audit_id TEXT,
  checklist_line INTEGER,
  classification TEXT NOT NULL CHECK (classification IN ('major_nc', 'minor_nc', 'observation', 'ofi')),
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  requirement_id TEXT REFERENCES requirements(id),
  control_id TEXT,
  evidence_seen TEXT NOT NULL DEFAULT '',
  raised_by TEXT,
  raised_on TEXT NOT NULL,
  incident_id TEXT,
  check_id TEXT,
  nonconformity_id TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, audit_id) REFERENCES audits(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, control_id) REFERENCES controls(org_id, id),
  FOREIGN KEY (org_id, raised_by) REFERENCES members(org_id, id),
  FOREIGN KEY (org_id, incident_id) REFERENCES incidents(org_id, id),
  FOREIGN KEY (org_id, check_id) REFERENCES checks(org_id, id),
  FOREIGN KEY (org_id, nonconformity_id) REFERENCES nonconformities(org_id, id)
);
CREATE INDEX findings_list ON findings(org_id, ref_number);
CREATE INDEX findings_audit ON findings(org_id, audit_id);
