-- Spreadsheets between an import's preview and its confirmation. In the database,
-- not on local disk, so the confirmation may reach another instance.
CREATE TABLE import_uploads (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  member_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  filename TEXT NOT NULL,
  content BYTEA NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX import_uploads_created ON import_uploads(created_at);
