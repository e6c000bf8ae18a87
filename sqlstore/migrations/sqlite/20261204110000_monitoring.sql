-- Continuous monitoring (9.1): collector targets, checks written in CEL over what
-- they collect, each run's results per resource; the scheduler's jobs, taken by
-- one instance at a time under a lease; the outbox of due-item notifications.

-- What a collector reaches: a host (through its agent), a TLS endpoint, a git
-- repository, a Terraform plan or state, a PostgreSQL server.
CREATE TABLE collectors (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  kind TEXT NOT NULL CHECK (kind IN ('host', 'tls', 'git', 'terraform', 'postgres')),
  name TEXT NOT NULL,
  -- Settings that are not secret, as JSON: {"target":"host:port"}, {"path":"/srv/repo"} …
  config TEXT NOT NULL DEFAULT '{}',
  -- Secret settings (a connection string with its password), sealed with the instance's secret key.
  secret TEXT,
  -- The agent token bound to a host collector: it may post facts for this collector only (the token's
  -- own row says whether it is revoked; api_tokens has no (org_id, id) key to point at).
  agent_token_id TEXT,
  -- What the last collection found (JSON list of resources), to test rules against.
  facts TEXT,
  collected_at TIMESTAMP,
  last_error TEXT NOT NULL DEFAULT '',
  created_by TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  archived_at TIMESTAMP,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, created_by) REFERENCES members(org_id, id)
);
CREATE UNIQUE INDEX collectors_agent ON collectors(agent_token_id) WHERE agent_token_id IS NOT NULL;

CREATE TABLE checks (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  builtin_key TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL,
  resource_type TEXT NOT NULL DEFAULT '',
  rule TEXT NOT NULL,
  -- How often it runs, in minutes; a host check runs whenever its agent posts facts.
  interval_minutes INTEGER NOT NULL DEFAULT 1440,
  enabled BOOLEAN NOT NULL DEFAULT FALSE,
  -- The collector it reads; NULL: every collector of its kind.
  collector_id TEXT,
  status TEXT NOT NULL DEFAULT 'not_run',
  passed INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  last_run_at TIMESTAMP,
  -- Why a person accepts the current failure: the control stops needing attention until the check passes again.
  accepted_reason TEXT NOT NULL DEFAULT '',
  accepted_by TEXT,
  accepted_at TIMESTAMP,
  evidence_id TEXT,
  created_by TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  archived_at TIMESTAMP,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, collector_id) REFERENCES collectors(org_id, id),
  FOREIGN KEY (org_id, accepted_by) REFERENCES members(org_id, id),
  FOREIGN KEY (org_id, evidence_id) REFERENCES evidence(org_id, id),
  FOREIGN KEY (org_id, created_by) REFERENCES members(org_id, id)
);
CREATE INDEX checks_list ON checks(org_id, ref_number);
CREATE UNIQUE INDEX checks_builtin ON checks(org_id, builtin_key) WHERE builtin_key <> '';

CREATE TABLE check_controls (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  check_id TEXT NOT NULL,
  control_id TEXT NOT NULL,
  PRIMARY KEY (org_id, check_id, control_id),
  FOREIGN KEY (org_id, check_id) REFERENCES checks(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, control_id) REFERENCES controls(org_id, id)
);
CREATE INDEX check_controls_control ON check_controls(org_id, control_id);

-- Each run of a check: kept as history (and as a revision of the check's evidence item).
CREATE TABLE check_runs (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  check_id TEXT NOT NULL,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP NOT NULL,
  status TEXT NOT NULL,
  passed INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  trigger TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, check_id) REFERENCES checks(org_id, id) ON DELETE CASCADE
);
CREATE INDEX check_runs_check ON check_runs(org_id, check_id, started_at);

CREATE TABLE check_results (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  run_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  facts TEXT NOT NULL,
  PRIMARY KEY (org_id, run_id, seq),
  FOREIGN KEY (org_id, run_id) REFERENCES check_runs(org_id, id) ON DELETE CASCADE
);

-- The scheduler's jobs: one row per job, taken by one instance at a time under a lease.
CREATE TABLE jobs (
  key TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  org_id TEXT REFERENCES organisations(id) ON DELETE CASCADE,
  subject TEXT NOT NULL DEFAULT '',
  due_at TIMESTAMP NOT NULL,
  lease_owner TEXT,
  lease_until TIMESTAMP,
  runs INTEGER NOT NULL DEFAULT 0,
  last_started_at TIMESTAMP,
  last_finished_at TIMESTAMP,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX jobs_due ON jobs(due_at);

-- Notifications of due and overdue items, written daily for a mailer to send.
CREATE TABLE notification_outbox (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  member_id TEXT NOT NULL,
  day TEXT NOT NULL,
  kind TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  subject_ref TEXT NOT NULL,
  title TEXT NOT NULL,
  due_date TEXT NOT NULL,
  overdue BOOLEAN NOT NULL,
  link TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  sent_at TIMESTAMP,
  UNIQUE (org_id, member_id, day, kind, subject_id),
  FOREIGN KEY (org_id, member_id) REFERENCES members(org_id, id) ON DELETE CASCADE
);
