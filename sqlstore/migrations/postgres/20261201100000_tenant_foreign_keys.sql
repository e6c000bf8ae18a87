-- Tenant isolation the database enforces: every foreign key from one row of an
-- organisation to another carries org_id, (org_id, x_id) REFERENCES t(org_id, id),
-- so a row can only point at a row of its own organisation, whatever the code
-- above does. References to global rows (users, frameworks, requirements) stay
-- single-column. control_risks.risk_id and import_uploads.member_id gain the
-- foreign key they never had.
-- Adding a constraint checks the rows already there: a cross-organisation link
-- left by an older bug makes the migration fail and names it, rather than being
-- dropped silently.
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
ALTER TABLE members ADD CONSTRAINT members_org_id_id_key UNIQUE (org_id, id);
ALTER TABLE controls ADD CONSTRAINT controls_org_id_id_key UNIQUE (org_id, id);
ALTER TABLE assets ADD CONSTRAINT assets_org_id_id_key UNIQUE (org_id, id);
ALTER TABLE risk_library ADD CONSTRAINT risk_library_org_id_id_key UNIQUE (org_id, id);
ALTER TABLE risks ADD CONSTRAINT risks_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE api_tokens
  DROP CONSTRAINT api_tokens_member_id_fkey,
  ADD CONSTRAINT api_tokens_org_id_member_id_fkey FOREIGN KEY (org_id, member_id) REFERENCES members(org_id, id) ON DELETE CASCADE;

-- import_uploads.member_id is always the uploading member (only the web keeps
-- uploads): an upload goes with its member.
ALTER TABLE import_uploads
  ADD CONSTRAINT import_uploads_org_id_member_id_fkey FOREIGN KEY (org_id, member_id) REFERENCES members(org_id, id) ON DELETE CASCADE;

ALTER TABLE controls
  DROP CONSTRAINT controls_owner_id_fkey,
  ADD CONSTRAINT controls_org_id_owner_id_fkey FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id);

ALTER TABLE control_requirements
  DROP CONSTRAINT control_requirements_control_id_fkey,
  ADD CONSTRAINT control_requirements_org_id_control_id_fkey FOREIGN KEY (org_id, control_id) REFERENCES controls(org_id, id) ON DELETE CASCADE;

ALTER TABLE control_risks
  DROP CONSTRAINT control_risks_control_id_fkey,
  ADD CONSTRAINT control_risks_org_id_control_id_fkey FOREIGN KEY (org_id, control_id) REFERENCES controls(org_id, id) ON DELETE CASCADE,
  ADD CONSTRAINT control_risks_org_id_risk_id_fkey FOREIGN KEY (org_id, risk_id) REFERENCES risks(org_id, id) ON DELETE CASCADE;

ALTER TABLE assets
  DROP CONSTRAINT assets_owner_id_fkey,
  DROP CONSTRAINT assets_custodian_id_fkey,
  ADD CONSTRAINT assets_org_id_owner_id_fkey FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id),
  ADD CONSTRAINT assets_org_id_custodian_id_fkey FOREIGN KEY (org_id, custodian_id) REFERENCES members(org_id, id);

ALTER TABLE asset_tags
  DROP CONSTRAINT asset_tags_asset_id_fkey,
  ADD CONSTRAINT asset_tags_org_id_asset_id_fkey FOREIGN KEY (org_id, asset_id) REFERENCES assets(org_id, id) ON DELETE CASCADE;

ALTER TABLE risks
  DROP CONSTRAINT risks_threat_id_fkey,
  DROP CONSTRAINT risks_vulnerability_id_fkey,
  DROP CONSTRAINT risks_owner_id_fkey,
  ADD CONSTRAINT risks_org_id_threat_id_fkey FOREIGN KEY (org_id, threat_id) REFERENCES risk_library(org_id, id),
  ADD CONSTRAINT risks_org_id_vulnerability_id_fkey FOREIGN KEY (org_id, vulnerability_id) REFERENCES risk_library(org_id, id),
  ADD CONSTRAINT risks_org_id_owner_id_fkey FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id);

ALTER TABLE risk_assets
  DROP CONSTRAINT risk_assets_risk_id_fkey,
  DROP CONSTRAINT risk_assets_asset_id_fkey,
  ADD CONSTRAINT risk_assets_org_id_risk_id_fkey FOREIGN KEY (org_id, risk_id) REFERENCES risks(org_id, id) ON DELETE CASCADE,
  ADD CONSTRAINT risk_assets_org_id_asset_id_fkey FOREIGN KEY (org_id, asset_id) REFERENCES assets(org_id, id);

ALTER TABLE risk_signoffs
  DROP CONSTRAINT risk_signoffs_risk_id_fkey,
  DROP CONSTRAINT risk_signoffs_signer_id_fkey,
  ADD CONSTRAINT risk_signoffs_org_id_risk_id_fkey FOREIGN KEY (org_id, risk_id) REFERENCES risks(org_id, id) ON DELETE CASCADE,
  ADD CONSTRAINT risk_signoffs_org_id_signer_id_fkey FOREIGN KEY (org_id, signer_id) REFERENCES members(org_id, id);

ALTER TABLE risk_actions
  DROP CONSTRAINT risk_actions_risk_id_fkey,
  DROP CONSTRAINT risk_actions_owner_id_fkey,
  ADD CONSTRAINT risk_actions_org_id_risk_id_fkey FOREIGN KEY (org_id, risk_id) REFERENCES risks(org_id, id) ON DELETE CASCADE,
  ADD CONSTRAINT risk_actions_org_id_owner_id_fkey FOREIGN KEY (org_id, owner_id) REFERENCES members(org_id, id);

-- risk_reviews.actor_id is an actor ("cli:…" included), not a member reference.
ALTER TABLE risk_reviews
  DROP CONSTRAINT risk_reviews_risk_id_fkey,
  ADD CONSTRAINT risk_reviews_org_id_risk_id_fkey FOREIGN KEY (org_id, risk_id) REFERENCES risks(org_id, id) ON DELETE CASCADE;
