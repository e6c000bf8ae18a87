-- Management review (9.3): a meeting of top management whose inputs are a snapshot of the
-- registers when it was prepared, with attendees, the discussion per input and the decisions.
CREATE TABLE management_reviews (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  title TEXT NOT NULL,
  held_on TEXT,
  status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved')),
  summary TEXT NOT NULL DEFAULT '',
  inputs_taken_at TIMESTAMP NOT NULL,
  approved_by TEXT,
  approved_at TIMESTAMP,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, approved_by) REFERENCES members(org_id, id)
);
CREATE INDEX management_reviews_list ON management_reviews(org_id, ref_number);

CREATE TABLE review_attendees (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  review_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  member_id TEXT,
  name TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (org_id, review_id, n),
  FOREIGN KEY (org_id, review_id) REFERENCES management_reviews(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, member_id) REFERENCES members(org_id, id)
);

-- One row per input of 9.3.2: the snapshot (figures and records, as JSON) and the discussion notes.
CREATE TABLE review_sections (
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  review_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  section TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  notes TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (org_id, review_id, position),
  FOREIGN KEY (org_id, review_id) REFERENCES management_reviews(org_id, id) ON DELETE CASCADE
);

-- Decisions (9.3.3), each an action with an owner and a due date.
CREATE TABLE review_decisions (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  review_id TEXT NOT NULL,
  ref TEXT NOT NULL,
  ref_number INTEGER NOT NULL DEFAULT 0,
  title TEXT NOT NULL,
  owner_id TEXT,
  due_date TEXT,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
  done_on TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  UNIQUE (org_id, ref),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, review_id) REFERENCES management_reviews(org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id)
);
CREATE INDEX review_decisions_review ON review_decisions(org_id, review_id);
CREATE INDEX review_decisions_due ON review_decisions(org_id, status, due_date);
