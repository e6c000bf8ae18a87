package sqlstore_test

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/ncruces/go-sqlite3"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/areas/risks"
	"github.com/bulwark-isms/bulwark/password"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// tenantFKVersion is the migration that gives every link between tenant rows a
// foreign key on (org_id, …).
const tenantFKVersion = 20261201100000

// tenantFKs are the composite foreign keys of that migration: child table and
// column → parent table, each (org_id, column) REFERENCES parent(org_id, id).
var tenantFKs = []string{
	"api_tokens.member_id → members",
	"import_uploads.member_id → members",
	"controls.owner_id → members",
	"control_requirements.control_id → controls",
	"control_risks.control_id → controls",
	"control_risks.risk_id → risks",
	"assets.owner_id → members",
	"assets.custodian_id → members",
	"asset_tags.asset_id → assets",
	"risks.threat_id → risk_library",
	"risks.vulnerability_id → risk_library",
	"risks.owner_id → members",
	"risk_assets.risk_id → risks",
	"risk_assets.asset_id → assets",
	"risk_signoffs.risk_id → risks",
	"risk_signoffs.signer_id → members",
	"risk_actions.risk_id → risks",
	"risk_actions.owner_id → members",
	"risk_reviews.risk_id → risks",
}

// databaseBeforeTenantFKs opens a copy of the fixture database of the tenant foreign keys migration: three
// organisations seeded through the application into the schema just before it.
func databaseBeforeTenantFKs(t *testing.T, d sqlstore.Dialect) (*sqlstore.DB, []sqlstore.Migration) {
	t.Helper()
	ctx := context.Background()
	name := "testdata/before-tenant-fks.db.gz"
	if d == sqlstore.Postgres {
		name = "testdata/before-tenant-fks.pg.sql.gz"
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	content, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	dsn := sqltest.EmptyDSN(t, d)
	if d == sqlstore.SQLite {
		path := strings.TrimPrefix(dsn, "sqlite:")
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if d == sqlstore.Postgres {
		// A plain pg_dump: psql's meta-commands and the session's empty search path are left out (its names are
		// qualified), the rest is SQL.
		var script strings.Builder
		for _, line := range strings.Split(string(content), "\n") {
			if strings.HasPrefix(line, "\\") || strings.Contains(line, "set_config('search_path'") {
				continue
			}
			script.WriteString(line + "\n")
		}
		if _, err := db.SQL().ExecContext(ctx, script.String()); err != nil {
			t.Fatalf("restore %s: %v", name, err)
		}
	}
	all, err := sqlstore.Migrations(d)
	if err != nil {
		t.Fatal(err)
	}
	return db, all
}

// laterTenantFKs are the composite foreign keys of later migrations' tables, written that way from the start.
var laterTenantFKs = []string{
	"soa_states.submitted_by → members",
	"soa_revisions.submitted_by → members",
	"soa_revisions.approved_by → members",
	"gap_assessments.created_by → members",
	"gap_answers.assessment_id → gap_assessments",
	"gap_answers.answered_by → members",
	"people.manager_id → people",
	"group_members.group_id → person_groups",
	"group_members.person_id → people",
	"documents.owner_id → members",
	"documents.submitted_by → members",
	"documents.approved_by → members",
	"documents.created_by → members",
	"document_controls.document_id → documents",
	"document_controls.control_id → controls",
	"document_requirements.document_id → documents",
	"document_revisions.document_id → documents",
	"document_revisions.approved_by → members",
	"document_revisions.published_by → members",
	"ack_requests.document_id → documents",
	"ack_requests.requested_by → members",
	"ack_recipients.request_id → ack_requests",
	"ack_recipients.person_id → people",
	"acknowledgements.document_id → documents",
	"acknowledgements.person_id → people",
	"acknowledgements.member_id → members",
	"training_campaigns.created_by → members",
	"campaign_trainings.campaign_id → training_campaigns",
	"campaign_trainings.training_id → trainings",
	"campaign_groups.campaign_id → training_campaigns",
	"campaign_groups.group_id → person_groups",
	"campaign_people.campaign_id → training_campaigns",
	"campaign_people.person_id → people",
	"training_records.training_id → trainings",
	"training_records.person_id → people",
	"training_records.campaign_id → training_campaigns",
	"training_records.member_id → members",
	"incidents.reported_by → members",
	"evidence.owner_id → members",
	"evidence.created_by → members",
	"evidence_revisions.evidence_id → evidence",
	"evidence_revisions.created_by → members",
	"evidence_controls.evidence_id → evidence",
	"evidence_controls.control_id → controls",
	"evidence_requirements.evidence_id → evidence",
	"evidence_risks.evidence_id → evidence",
	"evidence_risks.risk_id → risks",
	"collectors.created_by → members",
	"checks.collector_id → collectors",
	"checks.accepted_by → members",
	"checks.evidence_id → evidence",
	"checks.created_by → members",
	"check_controls.check_id → checks",
	"check_controls.control_id → controls",
	"check_runs.check_id → checks",
	"check_results.run_id → check_runs",
	"notification_outbox.member_id → members",
	"objectives.owner_id → members",
	"objective_risks.objective_id → objectives",
	"objective_risks.risk_id → risks",
	"objective_controls.objective_id → objectives",
	"objective_controls.control_id → controls",
	"metrics.objective_id → objectives",
	"metrics.owner_id → members",
	"measurements.metric_id → metrics",
	"measurements.recorded_by → members",
	"nonconformities.control_id → controls",
	"nonconformities.owner_id → members",
	"nonconformities.raised_by → members",
	"nonconformities.closed_by → members",
	"corrective_actions.nonconformity_id → nonconformities",
	"corrective_actions.owner_id → members",
	"effectiveness_reviews.nonconformity_id → nonconformities",
	"effectiveness_reviews.reviewer_id → members",
	"audits.lead_id → members",
	"audit_team.audit_id → audits",
	"audit_team.member_id → members",
	"audit_frameworks.audit_id → audits",
	"audit_requirements.audit_id → audits",
	"audit_controls.audit_id → audits",
	"audit_controls.control_id → controls",
	"audit_checklist.audit_id → audits",
	"audit_checklist.control_id → controls",
	"audit_checklist.audited_by → members",
	"findings.audit_id → audits",
	"findings.control_id → controls",
	"findings.raised_by → members",
	"findings.incident_id → incidents",
	"incidents.handler_id → members",
	"incident_assets.incident_id → incidents",
	"incident_assets.asset_id → assets",
	"incident_risks.incident_id → incidents",
	"incident_risks.risk_id → risks",
	"incident_evidence.incident_id → incidents",
	"incident_evidence.evidence_id → evidence",
	"incident_timeline.incident_id → incidents",
	"incident_timeline.member_id → members",
	"incident_clocks.incident_id → incidents",
	"findings.check_id → checks",
	"findings.nonconformity_id → nonconformities",
	"management_reviews.approved_by → members",
	"review_attendees.review_id → management_reviews",
	"review_attendees.member_id → members",
	"review_sections.review_id → management_reviews",
	"review_decisions.review_id → management_reviews",
	"review_decisions.owner_id → members",
	"suppliers.owner_id → members",
	"supplier_assets.supplier_id → suppliers",
	"supplier_assets.asset_id → assets",
	"supplier_risks.supplier_id → suppliers",
	"supplier_risks.risk_id → risks",
	"supplier_controls.supplier_id → suppliers",
	"supplier_controls.control_id → controls",
	"supplier_certificates.supplier_id → suppliers",
	"supplier_certificates.evidence_id → evidence",
	"supplier_questionnaires.supplier_id → suppliers",
	"supplier_questionnaires.sent_by → members",
	"supplier_questionnaires.reviewed_by → members",
	"questionnaire_files.questionnaire_id → supplier_questionnaires",
	"obligations.owner_id → members",
	"obligation_controls.obligation_id → obligations",
	"obligation_controls.control_id → controls",
	"obligation_requirements.obligation_id → obligations",
	"context_issues.owner_id → members",
	"context_issue_risks.issue_id → context_issues",
	"context_issue_risks.risk_id → risks",
	"interested_parties.owner_id → members",
	"interested_party_obligations.party_id → interested_parties",
	"interested_party_obligations.obligation_id → obligations",
	"interested_party_controls.party_id → interested_parties",
	"interested_party_controls.control_id → controls",
	"scope_statements.updated_by → members",
	"scope_statements.submitted_by → members",
	"scope_assets.asset_id → assets",
	"scope_revisions.submitted_by → members",
	"scope_revisions.approved_by → members",
}

// fkRebind turns the "?" placeholders of q into PostgreSQL's "$n".
func fkRebind(db *sqlstore.DB, q string) string {
	if db.Dialect != sqlstore.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// isForeignKeyViolation reports whether err is the database refusing a foreign key.
func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23503"
	}
	return errors.Is(err, sqlite3.CONSTRAINT_FOREIGNKEY)
}

// foreignKey is one foreign key as the database describes it.
type foreignKey struct {
	table    string
	from     []string
	parent   string
	to       []string
	onDelete string
}

func (k foreignKey) String() string {
	return fmt.Sprintf("%s(%s) → %s(%s) on delete %s", k.table, strings.Join(k.from, ", "), k.parent, strings.Join(k.to, ", "), k.onDelete)
}

// foreignKeys lists every foreign key of the schema.
func foreignKeys(t *testing.T, db *sqlstore.DB) []foreignKey {
	t.Helper()
	q := `SELECT m.name, f.id, f."from", f."table", f."to", f.on_delete FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq`
	if db.Dialect == sqlstore.Postgres {
		q = `SELECT c.conrelid::regclass::text, c.oid::bigint, a.attname, c.confrelid::regclass::text, pa.attname,
				CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END
			FROM pg_constraint c CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(col, pcol, n)
			JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
			JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.pcol
			WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace ORDER BY 1, 2, k.n`
	}
	rows, err := db.SQL().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []foreignKey
	last := ""
	for rows.Next() {
		var table, from, parent, to, onDelete string
		var id int64
		if err := rows.Scan(&table, &id, &from, &parent, &to, &onDelete); err != nil {
			t.Fatal(err)
		}
		if key := fmt.Sprint(table, id); key != last {
			out = append(out, foreignKey{table: table, parent: parent, onDelete: onDelete})
			last = key
		}
		k := &out[len(out)-1]
		k.from, k.to = append(k.from, from), append(k.to, to)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEveryTenantLinkCarriesOrgID: the schema's foreign keys are exactly those
// expected: every reference to a tenant row (one with an org_id) other than the
// organisation itself is (org_id, x) → parent(org_id, id), with the delete rule
// it had; references to global rows stay single-column.
func TestEveryTenantLinkCarriesOrgID(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		tenant := map[string]bool{}
		for _, col := range schema(t, db) {
			if table, ok := strings.CutSuffix(col, ".org_id"); ok {
				tenant[table] = true
			}
		}
		cascade := map[string]bool{
			"api_tokens.member_id": true, "import_uploads.member_id": true, "control_requirements.control_id": true, "control_risks.control_id": true,
			"control_risks.risk_id": true, "asset_tags.asset_id": true, "risk_assets.risk_id": true,
			"risk_signoffs.risk_id": true, "risk_actions.risk_id": true, "risk_reviews.risk_id": true,
			"gap_answers.assessment_id": true, "group_members.group_id": true, "group_members.person_id": true,
			"document_controls.document_id": true, "document_requirements.document_id": true,
			"ack_recipients.request_id": true, "campaign_trainings.campaign_id": true, "campaign_groups.campaign_id": true,
			"campaign_groups.group_id": true, "campaign_people.campaign_id": true,
			"evidence_revisions.evidence_id": true, "evidence_controls.evidence_id": true, "evidence_requirements.evidence_id": true, "evidence_risks.evidence_id": true,
			"check_controls.check_id": true, "check_runs.check_id": true, "check_results.run_id": true, "notification_outbox.member_id": true,
			"objective_risks.objective_id": true, "objective_controls.objective_id": true, "metrics.objective_id": true, "measurements.metric_id": true,
			"corrective_actions.nonconformity_id": true, "effectiveness_reviews.nonconformity_id": true, "audit_team.audit_id": true, "audit_frameworks.audit_id": true,
			"audit_requirements.audit_id": true, "audit_controls.audit_id": true, "audit_checklist.audit_id": true, "findings.audit_id": true,
			"review_attendees.review_id": true, "review_sections.review_id": true, "review_decisions.review_id": true,
			"supplier_assets.supplier_id": true, "supplier_risks.supplier_id": true, "supplier_controls.supplier_id": true, "supplier_certificates.supplier_id": true,
			"supplier_questionnaires.supplier_id": true, "questionnaire_files.questionnaire_id": true,
			"incident_assets.incident_id": true, "incident_risks.incident_id": true, "incident_evidence.incident_id": true, "incident_timeline.incident_id": true, "incident_clocks.incident_id": true,
			"obligation_controls.obligation_id": true, "obligation_requirements.obligation_id": true,
			"context_issue_risks.issue_id": true, "interested_party_obligations.party_id": true, "interested_party_controls.party_id": true,
		}
		var composite []string
		for _, k := range foreignKeys(t, db) {
			switch {
			case k.parent == "organisations" || !tenant[k.parent]:
				if len(k.from) != 1 {
					t.Errorf("%v: a reference to a global row or to the organisation has one column", k)
				}
			case len(k.from) != 2 || k.from[0] != "org_id" || k.to[0] != "org_id" || k.to[1] != "id":
				t.Errorf("%v: a reference to a tenant row must be (org_id, x) → %s(org_id, id)", k, k.parent)
			default:
				name := k.table + "." + k.from[1]
				composite = append(composite, name+" → "+k.parent)
				want := "NO ACTION"
				if cascade[name] {
					want = "CASCADE"
				}
				if k.onDelete != want {
					t.Errorf("%v: want on delete %s", k, want)
				}
			}
		}
		want := append(slices.Clone(tenantFKs), laterTenantFKs...)
		sort.Strings(want)
		sort.Strings(composite)
		if !slices.Equal(composite, want) {
			t.Errorf("composite foreign keys:\n got  %q\n want %q", composite, want)
		}
	})
}

// fkFixture stores two organisations, a and b, each with a member, a control, an
// asset, a threat, a vulnerability and a risk, with ids like "risk-a". Link rows
// are left out, so each test inserts the ones it needs.
func fkFixture(t *testing.T, db *sqlstore.DB) (requirementID string) {
	t.Helper()
	if err := db.SQL().QueryRow(`SELECT id FROM requirements ORDER BY id LIMIT 1`).Scan(&requirementID); err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"a", "b"} {
		for _, q := range []string{
			`INSERT INTO organisations (id, slug, name, created_at) VALUES ('org-{o}', 'org-{o}', 'Org {o}', '2026-12-01 10:00:00+00')`,
			`INSERT INTO users (id, email, name, password_hash, created_at) VALUES ('user-{o}', '{o}@example.com', 'User {o}', 'x', '2026-12-01 10:00:00+00')`,
			`INSERT INTO members (id, org_id, user_id, role, created_at) VALUES ('mem-{o}', 'org-{o}', 'user-{o}', 'owner', '2026-12-01 10:00:00+00')`,
			`INSERT INTO controls (id, org_id, ref, title, owner_id, created_at, updated_at) VALUES ('ctl-{o}', 'org-{o}', 'C-1', 'Control {o}', 'mem-{o}', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO assets (id, org_id, ref, name, type, owner_id, custodian_id, created_at, updated_at) VALUES ('ast-{o}', 'org-{o}', 'A-1', 'Asset {o}', 'hardware', 'mem-{o}', 'mem-{o}', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO risk_library (id, org_id, kind, ref, name, category, description, controls, affects) VALUES ('thr-{o}', 'org-{o}', 'threat', 'T1', 'Threat {o}', '', '', '', '')`,
			`INSERT INTO risk_library (id, org_id, kind, ref, name, category, description, controls, affects) VALUES ('vul-{o}', 'org-{o}', 'vulnerability', 'V1', 'Vulnerability {o}', '', '', '', '')`,
			`INSERT INTO risks (id, org_id, ref, title, threat_id, vulnerability_id, owner_id, methodology_version, created_at, updated_at) VALUES ('risk-{o}', 'org-{o}', 'R-1', 'Risk {o}', 'thr-{o}', 'vul-{o}', 'mem-{o}', 1, '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO gap_assessments (id, org_id, ref, title, framework_id, status, created_by, created_at) VALUES ('gap-{o}', 'org-{o}', 'GA-1', 'Gap {o}', 'iso27001-2022', 'in_progress', 'mem-{o}', '2026-12-01 10:00:00+00')`,
			`INSERT INTO people (id, org_id, ref, name, created_at, updated_at) VALUES ('per-{o}', 'org-{o}', 'P-1', 'Person {o}', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO person_groups (id, org_id, name, created_at, updated_at) VALUES ('grp-{o}', 'org-{o}', 'Group {o}', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO documents (id, org_id, ref, type, title, created_at, updated_at) VALUES ('doc-{o}', 'org-{o}', 'POL-1', 'policy', 'Policy {o}', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO ack_requests (id, org_id, document_id, major, minor, audience, requested_by, requested_at, expires_at) VALUES ('ackq-{o}', 'org-{o}', 'doc-{o}', 1, 0, 'everyone', NULL, '2026-12-01 10:00:00+00', '2026-12-31 10:00:00+00')`,
			`INSERT INTO trainings (id, org_id, ref, title, created_at, updated_at) VALUES ('trn-{o}', 'org-{o}', 'TRN-1', 'Training {o}', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO training_campaigns (id, org_id, ref, title, start_date, due_date, created_at, updated_at) VALUES ('cmp-{o}', 'org-{o}', 'CMP-1', 'Campaign {o}', '2026-12-01', '2026-12-31', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO evidence (id, org_id, ref, title, kind, note, created_at, updated_at) VALUES ('evi-{o}', 'org-{o}', 'E-1', 'Evidence {o}', 'note', 'n', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO collectors (id, org_id, ref, kind, name, created_at, updated_at) VALUES ('col-{o}', 'org-{o}', 'COL-1', 'tls', 'Portal {o}', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO checks (id, org_id, ref, name, kind, rule, created_at, updated_at) VALUES ('chk-{o}', 'org-{o}', 'CHK-1', 'Check {o}', 'tls', 'true', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO check_runs (id, org_id, check_id, started_at, finished_at, status, passed, failed, errors, trigger) VALUES ('run-{o}', 'org-{o}', 'chk-{o}', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00', 'pass', 1, 0, 0, 'manual')`,
			`INSERT INTO objectives (id, org_id, ref, title, deadline, created_at, updated_at) VALUES ('obj-{o}', 'org-{o}', 'OBJ-1', 'Objective {o}', '2027-12-31', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO metrics (id, org_id, objective_id, ref, name, direction, target, frequency, created_at, updated_at) VALUES ('met-{o}', 'org-{o}', 'obj-{o}', 'MET-1', 'Metric {o}', 'increase', 90, 'monthly', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO incidents (id, org_id, ref, title, created_at, updated_at) VALUES ('inc-{o}', 'org-{o}', 'INC-1', 'Incident {o}', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO nonconformities (id, org_id, ref, title, severity, raised_on, created_at, updated_at) VALUES ('nc-{o}', 'org-{o}', 'NC-1', 'NC {o}', 'minor', '2026-12-01', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO audits (id, org_id, ref, title, type, created_at, updated_at) VALUES ('aud-{o}', 'org-{o}', 'AUD-1', 'Audit {o}', 'internal', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO management_reviews (id, org_id, ref, title, inputs_taken_at, created_at, updated_at) VALUES ('mr-{o}', 'org-{o}', 'MR-1', 'Review {o}', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO suppliers (id, org_id, ref, name, tier, created_at, updated_at) VALUES ('sup-{o}', 'org-{o}', 'S-1', 'Supplier {o}', 3, '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO supplier_questionnaires (id, org_id, ref, supplier_id, template, questions, contact_email, sent_at, expires_at, created_at, updated_at) VALUES ('sq-{o}', 'org-{o}', 'SQ-1', 'sup-{o}', 'starter-v1', '[]', 'a@x.example', '2026-12-01 10:00:00+00', '2026-12-31 10:00:00+00', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO obligations (id, org_id, ref, title, source, created_at, updated_at) VALUES ('ob-{o}', 'org-{o}', 'OB-1', 'Obligation {o}', 'law', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO context_issues (id, org_id, ref, title, kind, category, created_at, updated_at) VALUES ('ci-{o}', 'org-{o}', 'CI-1', 'Issue {o}', 'external', 'legal', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
			`INSERT INTO interested_parties (id, org_id, ref, name, kind, created_at, updated_at) VALUES ('ip-{o}', 'org-{o}', 'IP-1', 'Party {o}', 'external', '2026-12-01 10:00:00+00', '2026-12-01 10:00:00+00')`,
		} {
			if _, err := db.SQL().Exec(strings.ReplaceAll(q, "{o}", o)); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	return requirementID
}

// TestCrossOrganisationLinksAreRefused: for every composite foreign key, a row of
// one organisation that points at a row of the other is refused by the database
// itself, while the same statement pointing at its own organisation's row passes.
func TestCrossOrganisationLinksAreRefused(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		req := fkFixture(t, db)
		const ts = `'2026-12-01 10:00:00+00'`
		// Each statement acts in organisation {o}; "?" is the referenced row, an id
		// of the form target-{o} (its own) or target-{other}.
		cases := []struct {
			fk, target, q string
		}{
			{"api_tokens.member_id → members", "mem", `INSERT INTO api_tokens (id, org_id, member_id, name, token_hash, prefix, created_at) VALUES ('tok-new', 'org-{o}', ?, 'CI', 'hash-new', 'p', ` + ts + `)`},
			{"import_uploads.member_id → members", "mem", `INSERT INTO import_uploads (id, org_id, member_id, kind, filename, content, created_at) VALUES ('up-new', 'org-{o}', ?, 'assets', 'a.csv', 'x', ` + ts + `)`},
			{"controls.owner_id → members", "mem", `UPDATE controls SET owner_id = ? WHERE id = 'ctl-{o}'`},
			{"control_requirements.control_id → controls", "ctl", `INSERT INTO control_requirements (org_id, control_id, requirement_id, origin, created_at) VALUES ('org-{o}', ?, '` + req + `', 'manual', ` + ts + `)`},
			{"control_risks.control_id → controls", "ctl", `INSERT INTO control_risks (org_id, control_id, risk_id, created_at) VALUES ('org-{o}', ?, 'risk-{o}', ` + ts + `)`},
			{"control_risks.risk_id → risks", "risk", `INSERT INTO control_risks (org_id, control_id, risk_id, created_at) VALUES ('org-{o}', 'ctl-{o}', ?, ` + ts + `)`},
			{"assets.owner_id → members", "mem", `UPDATE assets SET owner_id = ? WHERE id = 'ast-{o}'`},
			{"assets.custodian_id → members", "mem", `UPDATE assets SET custodian_id = ? WHERE id = 'ast-{o}'`},
			{"asset_tags.asset_id → assets", "ast", `INSERT INTO asset_tags (org_id, asset_id, tag) VALUES ('org-{o}', ?, 'laptop')`},
			{"risks.threat_id → risk_library", "thr", `UPDATE risks SET threat_id = ? WHERE id = 'risk-{o}'`},
			{"risks.vulnerability_id → risk_library", "vul", `UPDATE risks SET vulnerability_id = ? WHERE id = 'risk-{o}'`},
			{"risks.owner_id → members", "mem", `UPDATE risks SET owner_id = ? WHERE id = 'risk-{o}'`},
			{"risk_assets.risk_id → risks", "risk", `INSERT INTO risk_assets (org_id, risk_id, asset_id) VALUES ('org-{o}', ?, 'ast-{o}')`},
			{"risk_assets.asset_id → assets", "ast", `INSERT INTO risk_assets (org_id, risk_id, asset_id) VALUES ('org-{o}', 'risk-{o}', ?)`},
			{"risk_signoffs.risk_id → risks", "risk", `INSERT INTO risk_signoffs (id, org_id, risk_id, signer_id, as_owner, as_approver, comment, at) VALUES ('so-new', 'org-{o}', ?, 'mem-{o}', TRUE, FALSE, '', ` + ts + `)`},
			{"risk_signoffs.signer_id → members", "mem", `INSERT INTO risk_signoffs (id, org_id, risk_id, signer_id, as_owner, as_approver, comment, at) VALUES ('so-new', 'org-{o}', 'risk-{o}', ?, TRUE, FALSE, '', ` + ts + `)`},
			{"risk_actions.risk_id → risks", "risk", `INSERT INTO risk_actions (id, org_id, risk_id, title, owner_id, status, created_at, updated_at) VALUES ('act-new', 'org-{o}', ?, 'Fix', 'mem-{o}', 'open', ` + ts + `, ` + ts + `)`},
			{"risk_actions.owner_id → members", "mem", `INSERT INTO risk_actions (id, org_id, risk_id, title, owner_id, status, created_at, updated_at) VALUES ('act-new', 'org-{o}', 'risk-{o}', 'Fix', ?, 'open', ` + ts + `, ` + ts + `)`},
			{"risk_reviews.risk_id → risks", "risk", `INSERT INTO risk_reviews (id, org_id, risk_id, actor_id, at, reason, changes) VALUES ('rev-new', 'org-{o}', ?, 'cli:test', ` + ts + `, '', '{}')`},
			{"gap_assessments.created_by → members", "mem", `INSERT INTO gap_assessments (id, org_id, ref, title, framework_id, status, created_by, created_at) VALUES ('gap-new', 'org-{o}', 'GA-9', 't', 'gdpr', 'in_progress', ?, ` + ts + `)`},
			{"gap_answers.assessment_id → gap_assessments", "gap", `INSERT INTO gap_answers (org_id, assessment_id, requirement_id, answer, answered_by, answered_at) VALUES ('org-{o}', ?, '` + req + `', 'partial', 'mem-{o}', ` + ts + `)`},
			{"gap_answers.answered_by → members", "mem", `INSERT INTO gap_answers (org_id, assessment_id, requirement_id, answer, answered_by, answered_at) VALUES ('org-{o}', 'gap-{o}', '` + req + `', 'partial', ?, ` + ts + `)`},
			{"soa_states.submitted_by → members", "mem", `INSERT INTO soa_states (org_id, status, submitted_by, submitted_at) VALUES ('org-{o}', 'submitted', ?, ` + ts + `)`},
			{"soa_revisions.submitted_by → members", "mem", `INSERT INTO soa_revisions (org_id, revision, submitted_by, approved_by, approved_at, document) VALUES ('org-{o}', 1, ?, 'mem-{o}', ` + ts + `, '{}')`},
			{"soa_revisions.approved_by → members", "mem", `INSERT INTO soa_revisions (org_id, revision, submitted_by, approved_by, approved_at, document) VALUES ('org-{o}', 1, 'mem-{o}', ?, ` + ts + `, '{}')`},
			{"people.manager_id → people", "per", `INSERT INTO people (id, org_id, ref, name, manager_id, created_at, updated_at) VALUES ('per-new', 'org-{o}', 'P-9', 'n', ?, ` + ts + `, ` + ts + `)`},
			{"group_members.group_id → person_groups", "grp", `INSERT INTO group_members (org_id, group_id, person_id) VALUES ('org-{o}', ?, 'per-{o}')`},
			{"group_members.person_id → people", "per", `INSERT INTO group_members (org_id, group_id, person_id) VALUES ('org-{o}', 'grp-{o}', ?)`},
			{"documents.owner_id → members", "mem", `UPDATE documents SET owner_id = ? WHERE id = 'doc-{o}'`},
			{"documents.submitted_by → members", "mem", `UPDATE documents SET submitted_by = ? WHERE id = 'doc-{o}'`},
			{"documents.approved_by → members", "mem", `UPDATE documents SET approved_by = ? WHERE id = 'doc-{o}'`},
			{"documents.created_by → members", "mem", `UPDATE documents SET created_by = ? WHERE id = 'doc-{o}'`},
			{"document_controls.document_id → documents", "doc", `INSERT INTO document_controls (org_id, document_id, control_id) VALUES ('org-{o}', ?, 'ctl-{o}')`},
			{"document_controls.control_id → controls", "ctl", `INSERT INTO document_controls (org_id, document_id, control_id) VALUES ('org-{o}', 'doc-{o}', ?)`},
			{"document_requirements.document_id → documents", "doc", `INSERT INTO document_requirements (org_id, document_id, requirement_id) VALUES ('org-{o}', ?, '` + req + `')`},
			{"document_revisions.document_id → documents", "doc", `INSERT INTO document_revisions (org_id, document_id, major, minor, type, title, body, classification, file_name, file_type, file_size, change_summary, authors, approved_by, approved_at, published_by, published_at) VALUES ('org-{o}', ?, 1, 0, 'policy', 't', '', '', '', '', 0, '', '', 'mem-{o}', ` + ts + `, 'mem-{o}', ` + ts + `)`},
			{"document_revisions.approved_by → members", "mem", `INSERT INTO document_revisions (org_id, document_id, major, minor, type, title, body, classification, file_name, file_type, file_size, change_summary, authors, approved_by, approved_at, published_by, published_at) VALUES ('org-{o}', 'doc-{o}', 1, 0, 'policy', 't', '', '', '', '', 0, '', '', ?, ` + ts + `, 'mem-{o}', ` + ts + `)`},
			{"document_revisions.published_by → members", "mem", `INSERT INTO document_revisions (org_id, document_id, major, minor, type, title, body, classification, file_name, file_type, file_size, change_summary, authors, approved_by, approved_at, published_by, published_at) VALUES ('org-{o}', 'doc-{o}', 1, 0, 'policy', 't', '', '', '', '', 0, '', '', 'mem-{o}', ` + ts + `, ?, ` + ts + `)`},
			{"ack_requests.document_id → documents", "doc", `INSERT INTO ack_requests (id, org_id, document_id, major, minor, audience, requested_by, requested_at, expires_at) VALUES ('ackq-new', 'org-{o}', ?, 1, 0, 'x', 'mem-{o}', ` + ts + `, ` + ts + `)`},
			{"ack_requests.requested_by → members", "mem", `INSERT INTO ack_requests (id, org_id, document_id, major, minor, audience, requested_by, requested_at, expires_at) VALUES ('ackq-new', 'org-{o}', 'doc-{o}', 1, 0, 'x', ?, ` + ts + `, ` + ts + `)`},
			{"ack_recipients.request_id → ack_requests", "ackq", `INSERT INTO ack_recipients (org_id, request_id, person_id, document_id, major, minor) VALUES ('org-{o}', ?, 'per-{o}', 'doc-{o}', 1, 0)`},
			{"ack_recipients.person_id → people", "per", `INSERT INTO ack_recipients (org_id, request_id, person_id, document_id, major, minor) VALUES ('org-{o}', 'ackq-{o}', ?, 'doc-{o}', 1, 0)`},
			{"acknowledgements.document_id → documents", "doc", `INSERT INTO acknowledgements (id, org_id, document_id, person_id, major, minor, acknowledged_at, via, member_id) VALUES ('ack-new', 'org-{o}', ?, 'per-{o}', 1, 0, ` + ts + `, 'link', 'mem-{o}')`},
			{"acknowledgements.person_id → people", "per", `INSERT INTO acknowledgements (id, org_id, document_id, person_id, major, minor, acknowledged_at, via, member_id) VALUES ('ack-new', 'org-{o}', 'doc-{o}', ?, 1, 0, ` + ts + `, 'link', 'mem-{o}')`},
			{"acknowledgements.member_id → members", "mem", `INSERT INTO acknowledgements (id, org_id, document_id, person_id, major, minor, acknowledged_at, via, member_id) VALUES ('ack-new', 'org-{o}', 'doc-{o}', 'per-{o}', 1, 0, ` + ts + `, 'account', ?)`},
			{"training_campaigns.created_by → members", "mem", `UPDATE training_campaigns SET created_by = ? WHERE id = 'cmp-{o}'`},
			{"campaign_trainings.campaign_id → training_campaigns", "cmp", `INSERT INTO campaign_trainings (org_id, campaign_id, training_id) VALUES ('org-{o}', ?, 'trn-{o}')`},
			{"campaign_trainings.training_id → trainings", "trn", `INSERT INTO campaign_trainings (org_id, campaign_id, training_id) VALUES ('org-{o}', 'cmp-{o}', ?)`},
			{"campaign_groups.campaign_id → training_campaigns", "cmp", `INSERT INTO campaign_groups (org_id, campaign_id, group_id) VALUES ('org-{o}', ?, 'grp-{o}')`},
			{"campaign_groups.group_id → person_groups", "grp", `INSERT INTO campaign_groups (org_id, campaign_id, group_id) VALUES ('org-{o}', 'cmp-{o}', ?)`},
			{"campaign_people.campaign_id → training_campaigns", "cmp", `INSERT INTO campaign_people (org_id, campaign_id, person_id) VALUES ('org-{o}', ?, 'per-{o}')`},
			{"campaign_people.person_id → people", "per", `INSERT INTO campaign_people (org_id, campaign_id, person_id) VALUES ('org-{o}', 'cmp-{o}', ?)`},
			{"training_records.training_id → trainings", "trn", `INSERT INTO training_records (id, org_id, training_id, person_id, campaign_id, completed_at, passed, via, member_id) VALUES ('tr-new', 'org-{o}', ?, 'per-{o}', 'cmp-{o}', ` + ts + `, TRUE, 'account', 'mem-{o}')`},
			{"training_records.person_id → people", "per", `INSERT INTO training_records (id, org_id, training_id, person_id, campaign_id, completed_at, passed, via, member_id) VALUES ('tr-new', 'org-{o}', 'trn-{o}', ?, 'cmp-{o}', ` + ts + `, TRUE, 'account', 'mem-{o}')`},
			{"training_records.campaign_id → training_campaigns", "cmp", `INSERT INTO training_records (id, org_id, training_id, person_id, campaign_id, completed_at, passed, via, member_id) VALUES ('tr-new', 'org-{o}', 'trn-{o}', 'per-{o}', ?, ` + ts + `, TRUE, 'account', 'mem-{o}')`},
			{"training_records.member_id → members", "mem", `INSERT INTO training_records (id, org_id, training_id, person_id, campaign_id, completed_at, passed, via, member_id) VALUES ('tr-new', 'org-{o}', 'trn-{o}', 'per-{o}', 'cmp-{o}', ` + ts + `, TRUE, 'account', ?)`},
			{"incidents.reported_by → members", "mem", `INSERT INTO incidents (id, org_id, ref, title, reported_by, created_at, updated_at) VALUES ('inc-new', 'org-{o}', 'INC-9', 't', ?, ` + ts + `, ` + ts + `)`},
			{"evidence.owner_id → members", "mem", `UPDATE evidence SET owner_id = ? WHERE id = 'evi-{o}'`},
			{"evidence.created_by → members", "mem", `UPDATE evidence SET created_by = ? WHERE id = 'evi-{o}'`},
			{"evidence_revisions.evidence_id → evidence", "evi", `INSERT INTO evidence_revisions (org_id, evidence_id, revision, kind, created_at) VALUES ('org-{o}', ?, 9, 'note', ` + ts + `)`},
			{"evidence_revisions.created_by → members", "mem", `INSERT INTO evidence_revisions (org_id, evidence_id, revision, kind, created_by, created_at) VALUES ('org-{o}', 'evi-{o}', 9, 'note', ?, ` + ts + `)`},
			{"evidence_controls.evidence_id → evidence", "evi", `INSERT INTO evidence_controls (org_id, evidence_id, control_id) VALUES ('org-{o}', ?, 'ctl-{o}')`},
			{"evidence_controls.control_id → controls", "ctl", `INSERT INTO evidence_controls (org_id, evidence_id, control_id) VALUES ('org-{o}', 'evi-{o}', ?)`},
			{"evidence_requirements.evidence_id → evidence", "evi", `INSERT INTO evidence_requirements (org_id, evidence_id, requirement_id) VALUES ('org-{o}', ?, '` + req + `')`},
			{"evidence_risks.evidence_id → evidence", "evi", `INSERT INTO evidence_risks (org_id, evidence_id, risk_id) VALUES ('org-{o}', ?, 'risk-{o}')`},
			{"evidence_risks.risk_id → risks", "risk", `INSERT INTO evidence_risks (org_id, evidence_id, risk_id) VALUES ('org-{o}', 'evi-{o}', ?)`},
			{"collectors.created_by → members", "mem", `UPDATE collectors SET created_by = ? WHERE id = 'col-{o}'`},
			{"checks.collector_id → collectors", "col", `UPDATE checks SET collector_id = ? WHERE id = 'chk-{o}'`},
			{"checks.accepted_by → members", "mem", `UPDATE checks SET accepted_by = ? WHERE id = 'chk-{o}'`},
			{"checks.evidence_id → evidence", "evi", `UPDATE checks SET evidence_id = ? WHERE id = 'chk-{o}'`},
			{"checks.created_by → members", "mem", `UPDATE checks SET created_by = ? WHERE id = 'chk-{o}'`},
			{"check_controls.check_id → checks", "chk", `INSERT INTO check_controls (org_id, check_id, control_id) VALUES ('org-{o}', ?, 'ctl-{o}')`},
			{"check_controls.control_id → controls", "ctl", `INSERT INTO check_controls (org_id, check_id, control_id) VALUES ('org-{o}', 'chk-{o}', ?)`},
			{"check_runs.check_id → checks", "chk", `INSERT INTO check_runs (id, org_id, check_id, started_at, finished_at, status, passed, failed, errors, trigger) VALUES ('run-new', 'org-{o}', ?, ` + ts + `, ` + ts + `, 'pass', 1, 0, 0, 'manual')`},
			{"check_results.run_id → check_runs", "run", `INSERT INTO check_results (org_id, run_id, seq, resource_type, resource_id, outcome, facts) VALUES ('org-{o}', ?, 1, 't', 'i', 'pass', '{}')`},
			{"notification_outbox.member_id → members", "mem", `INSERT INTO notification_outbox (id, org_id, member_id, day, kind, subject_id, subject_ref, title, due_date, overdue, link, created_at) VALUES ('nb-new', 'org-{o}', ?, '2026-12-01', 'k', 's', 'r', 't', '2026-12-01', FALSE, '/', ` + ts + `)`},
			{"objectives.owner_id → members", "mem", `UPDATE objectives SET owner_id = ? WHERE id = 'obj-{o}'`},
			{"objective_risks.objective_id → objectives", "obj", `INSERT INTO objective_risks (org_id, objective_id, risk_id) VALUES ('org-{o}', ?, 'risk-{o}')`},
			{"objective_risks.risk_id → risks", "risk", `INSERT INTO objective_risks (org_id, objective_id, risk_id) VALUES ('org-{o}', 'obj-{o}', ?)`},
			{"objective_controls.objective_id → objectives", "obj", `INSERT INTO objective_controls (org_id, objective_id, control_id) VALUES ('org-{o}', ?, 'ctl-{o}')`},
			{"objective_controls.control_id → controls", "ctl", `INSERT INTO objective_controls (org_id, objective_id, control_id) VALUES ('org-{o}', 'obj-{o}', ?)`},
			{"metrics.objective_id → objectives", "obj", `INSERT INTO metrics (id, org_id, objective_id, ref, name, direction, target, frequency, created_at, updated_at) VALUES ('met-new', 'org-{o}', ?, 'MET-9', 'm', 'increase', 1, 'monthly', ` + ts + `, ` + ts + `)`},
			{"metrics.owner_id → members", "mem", `UPDATE metrics SET owner_id = ? WHERE id = 'met-{o}'`},
			{"measurements.metric_id → metrics", "met", `INSERT INTO measurements (id, org_id, metric_id, measured_on, value, source, created_at, updated_at) VALUES ('msr-new', 'org-{o}', ?, '2027-01-31', 1, 'manual', ` + ts + `, ` + ts + `)`},
			{"measurements.recorded_by → members", "mem", `INSERT INTO measurements (id, org_id, metric_id, measured_on, value, source, recorded_by, created_at, updated_at) VALUES ('msr-new', 'org-{o}', 'met-{o}', '2027-01-31', 1, 'manual', ?, ` + ts + `, ` + ts + `)`},
			{"nonconformities.control_id → controls", "ctl", `UPDATE nonconformities SET control_id = ? WHERE id = 'nc-{o}'`},
			{"nonconformities.owner_id → members", "mem", `UPDATE nonconformities SET owner_id = ? WHERE id = 'nc-{o}'`},
			{"nonconformities.raised_by → members", "mem", `UPDATE nonconformities SET raised_by = ? WHERE id = 'nc-{o}'`},
			{"nonconformities.closed_by → members", "mem", `UPDATE nonconformities SET closed_by = ? WHERE id = 'nc-{o}'`},
			{"corrective_actions.nonconformity_id → nonconformities", "nc", `INSERT INTO corrective_actions (id, org_id, nonconformity_id, ref, title, created_at, updated_at) VALUES ('act-new', 'org-{o}', ?, 'ACT-9', 't', ` + ts + `, ` + ts + `)`},
			{"corrective_actions.owner_id → members", "mem", `INSERT INTO corrective_actions (id, org_id, nonconformity_id, ref, title, owner_id, created_at, updated_at) VALUES ('act-new', 'org-{o}', 'nc-{o}', 'ACT-9', 't', ?, ` + ts + `, ` + ts + `)`},
			{"effectiveness_reviews.nonconformity_id → nonconformities", "nc", `INSERT INTO effectiveness_reviews (org_id, nonconformity_id, n, reviewed_on, result, created_at) VALUES ('org-{o}', ?, 1, '2026-12-01', 'effective', ` + ts + `)`},
			{"effectiveness_reviews.reviewer_id → members", "mem", `INSERT INTO effectiveness_reviews (org_id, nonconformity_id, n, reviewed_on, reviewer_id, result, created_at) VALUES ('org-{o}', 'nc-{o}', 1, '2026-12-01', ?, 'effective', ` + ts + `)`},
			{"audits.lead_id → members", "mem", `UPDATE audits SET lead_id = ? WHERE id = 'aud-{o}'`},
			{"audit_team.audit_id → audits", "aud", `INSERT INTO audit_team (org_id, audit_id, n, member_id) VALUES ('org-{o}', ?, 1, 'mem-{o}')`},
			{"audit_team.member_id → members", "mem", `INSERT INTO audit_team (org_id, audit_id, n, member_id) VALUES ('org-{o}', 'aud-{o}', 1, ?)`},
			{"audit_frameworks.audit_id → audits", "aud", `INSERT INTO audit_frameworks (org_id, audit_id, framework_id) SELECT 'org-{o}', ?, id FROM frameworks LIMIT 1`},
			{"audit_requirements.audit_id → audits", "aud", `INSERT INTO audit_requirements (org_id, audit_id, requirement_id) VALUES ('org-{o}', ?, '` + req + `')`},
			{"audit_controls.audit_id → audits", "aud", `INSERT INTO audit_controls (org_id, audit_id, control_id) VALUES ('org-{o}', ?, 'ctl-{o}')`},
			{"audit_controls.control_id → controls", "ctl", `INSERT INTO audit_controls (org_id, audit_id, control_id) VALUES ('org-{o}', 'aud-{o}', ?)`},
			{"audit_checklist.audit_id → audits", "aud", `INSERT INTO audit_checklist (org_id, audit_id, line, label, question) VALUES ('org-{o}', ?, 1, 'l', 'q')`},
			{"audit_checklist.control_id → controls", "ctl", `INSERT INTO audit_checklist (org_id, audit_id, line, control_id, label, question) VALUES ('org-{o}', 'aud-{o}', 1, ?, 'l', 'q')`},
			{"audit_checklist.audited_by → members", "mem", `INSERT INTO audit_checklist (org_id, audit_id, line, label, question, audited_by) VALUES ('org-{o}', 'aud-{o}', 1, 'l', 'q', ?)`},
			{"findings.audit_id → audits", "aud", `INSERT INTO findings (id, org_id, ref, classification, title, raised_on, audit_id, created_at, updated_at) VALUES ('f-new', 'org-{o}', 'F-9', 'ofi', 't', '2026-12-01', ?, ` + ts + `, ` + ts + `)`},
			{"findings.control_id → controls", "ctl", `INSERT INTO findings (id, org_id, ref, classification, title, raised_on, control_id, created_at, updated_at) VALUES ('f-new', 'org-{o}', 'F-9', 'ofi', 't', '2026-12-01', ?, ` + ts + `, ` + ts + `)`},
			{"findings.raised_by → members", "mem", `INSERT INTO findings (id, org_id, ref, classification, title, raised_on, raised_by, created_at, updated_at) VALUES ('f-new', 'org-{o}', 'F-9', 'ofi', 't', '2026-12-01', ?, ` + ts + `, ` + ts + `)`},
			{"findings.incident_id → incidents", "inc", `INSERT INTO findings (id, org_id, ref, classification, title, raised_on, incident_id, created_at, updated_at) VALUES ('f-new', 'org-{o}', 'F-9', 'ofi', 't', '2026-12-01', ?, ` + ts + `, ` + ts + `)`},
			{"incidents.handler_id → members", "mem", `UPDATE incidents SET handler_id = ? WHERE id = 'inc-{o}'`},
			{"incident_assets.incident_id → incidents", "inc", `INSERT INTO incident_assets (org_id, incident_id, asset_id) VALUES ('org-{o}', ?, 'ast-{o}')`},
			{"incident_assets.asset_id → assets", "ast", `INSERT INTO incident_assets (org_id, incident_id, asset_id) VALUES ('org-{o}', 'inc-{o}', ?)`},
			{"incident_risks.incident_id → incidents", "inc", `INSERT INTO incident_risks (org_id, incident_id, risk_id) VALUES ('org-{o}', ?, 'risk-{o}')`},
			{"incident_risks.risk_id → risks", "risk", `INSERT INTO incident_risks (org_id, incident_id, risk_id) VALUES ('org-{o}', 'inc-{o}', ?)`},
			{"incident_evidence.incident_id → incidents", "inc", `INSERT INTO incident_evidence (org_id, incident_id, evidence_id) VALUES ('org-{o}', ?, 'evi-{o}')`},
			{"incident_evidence.evidence_id → evidence", "evi", `INSERT INTO incident_evidence (org_id, incident_id, evidence_id) VALUES ('org-{o}', 'inc-{o}', ?)`},
			{"incident_timeline.incident_id → incidents", "inc", `INSERT INTO incident_timeline (id, org_id, incident_id, at, member_id, kind, text) VALUES ('tl-new', 'org-{o}', ?, ` + ts + `, 'mem-{o}', 'note', 't')`},
			{"incident_timeline.member_id → members", "mem", `INSERT INTO incident_timeline (id, org_id, incident_id, at, member_id, kind, text) VALUES ('tl-new', 'org-{o}', 'inc-{o}', ` + ts + `, ?, 'note', 't')`},
			{"incident_clocks.incident_id → incidents", "inc", `INSERT INTO incident_clocks (id, org_id, incident_id, kind, regime, starts_at, created_at, updated_at) VALUES ('clk-new', 'org-{o}', ?, 'gdpr_authority', 'gdpr', ` + ts + `, ` + ts + `, ` + ts + `)`},
			{"findings.check_id → checks", "chk", `INSERT INTO findings (id, org_id, ref, classification, title, raised_on, check_id, created_at, updated_at) VALUES ('f-new', 'org-{o}', 'F-9', 'ofi', 't', '2026-12-01', ?, ` + ts + `, ` + ts + `)`},
			{"findings.nonconformity_id → nonconformities", "nc", `INSERT INTO findings (id, org_id, ref, classification, title, raised_on, nonconformity_id, created_at, updated_at) VALUES ('f-new', 'org-{o}', 'F-9', 'ofi', 't', '2026-12-01', ?, ` + ts + `, ` + ts + `)`},
			{"management_reviews.approved_by → members", "mem", `UPDATE management_reviews SET approved_by = ? WHERE id = 'mr-{o}'`},
			{"review_attendees.review_id → management_reviews", "mr", `INSERT INTO review_attendees (org_id, review_id, n, member_id) VALUES ('org-{o}', ?, 1, 'mem-{o}')`},
			{"review_attendees.member_id → members", "mem", `INSERT INTO review_attendees (org_id, review_id, n, member_id) VALUES ('org-{o}', 'mr-{o}', 1, ?)`},
			{"review_sections.review_id → management_reviews", "mr", `INSERT INTO review_sections (org_id, review_id, position, section, snapshot) VALUES ('org-{o}', ?, 1, 'risks', '{}')`},
			{"review_decisions.review_id → management_reviews", "mr", `INSERT INTO review_decisions (id, org_id, review_id, ref, title, created_at, updated_at) VALUES ('dec-new', 'org-{o}', ?, 'DEC-9', 't', ` + ts + `, ` + ts + `)`},
			{"review_decisions.owner_id → members", "mem", `INSERT INTO review_decisions (id, org_id, review_id, ref, title, owner_id, created_at, updated_at) VALUES ('dec-new', 'org-{o}', 'mr-{o}', 'DEC-9', 't', ?, ` + ts + `, ` + ts + `)`},
			{"suppliers.owner_id → members", "mem", `UPDATE suppliers SET owner_id = ? WHERE id = 'sup-{o}'`},
			{"supplier_assets.supplier_id → suppliers", "sup", `INSERT INTO supplier_assets (org_id, supplier_id, asset_id) VALUES ('org-{o}', ?, 'ast-{o}')`},
			{"supplier_assets.asset_id → assets", "ast", `INSERT INTO supplier_assets (org_id, supplier_id, asset_id) VALUES ('org-{o}', 'sup-{o}', ?)`},
			{"supplier_risks.supplier_id → suppliers", "sup", `INSERT INTO supplier_risks (org_id, supplier_id, risk_id) VALUES ('org-{o}', ?, 'risk-{o}')`},
			{"supplier_risks.risk_id → risks", "risk", `INSERT INTO supplier_risks (org_id, supplier_id, risk_id) VALUES ('org-{o}', 'sup-{o}', ?)`},
			{"supplier_controls.supplier_id → suppliers", "sup", `INSERT INTO supplier_controls (org_id, supplier_id, control_id) VALUES ('org-{o}', ?, 'ctl-{o}')`},
			{"supplier_controls.control_id → controls", "ctl", `INSERT INTO supplier_controls (org_id, supplier_id, control_id) VALUES ('org-{o}', 'sup-{o}', ?)`},
			{"supplier_certificates.supplier_id → suppliers", "sup", `INSERT INTO supplier_certificates (id, org_id, supplier_id, kind, created_at, updated_at) VALUES ('cert-new', 'org-{o}', ?, 'iso27001', ` + ts + `, ` + ts + `)`},
			{"supplier_certificates.evidence_id → evidence", "evi", `INSERT INTO supplier_certificates (id, org_id, supplier_id, kind, evidence_id, created_at, updated_at) VALUES ('cert-new', 'org-{o}', 'sup-{o}', 'iso27001', ?, ` + ts + `, ` + ts + `)`},
			{"supplier_questionnaires.supplier_id → suppliers", "sup", `INSERT INTO supplier_questionnaires (id, org_id, ref, supplier_id, template, questions, contact_email, sent_at, expires_at, created_at, updated_at) VALUES ('sq-new', 'org-{o}', 'SQ-9', ?, 't', '[]', 'a@x.example', ` + ts + `, ` + ts + `, ` + ts + `, ` + ts + `)`},
			{"supplier_questionnaires.sent_by → members", "mem", `UPDATE supplier_questionnaires SET sent_by = ? WHERE id = 'sq-{o}'`},
			{"supplier_questionnaires.reviewed_by → members", "mem", `UPDATE supplier_questionnaires SET reviewed_by = ? WHERE id = 'sq-{o}'`},
			{"questionnaire_files.questionnaire_id → supplier_questionnaires", "sq", `INSERT INTO questionnaire_files (org_id, questionnaire_id, n, filename, content_type, size, sha256, created_at) VALUES ('org-{o}', ?, 1, 'f', 'text/plain', 1, 'x', ` + ts + `)`},
			{"obligations.owner_id → members", "mem", `UPDATE obligations SET owner_id = ? WHERE id = 'ob-{o}'`},
			{"obligation_controls.obligation_id → obligations", "ob", `INSERT INTO obligation_controls (org_id, obligation_id, control_id) VALUES ('org-{o}', ?, 'ctl-{o}')`},
			{"obligation_controls.control_id → controls", "ctl", `INSERT INTO obligation_controls (org_id, obligation_id, control_id) VALUES ('org-{o}', 'ob-{o}', ?)`},
			{"obligation_requirements.obligation_id → obligations", "ob", `INSERT INTO obligation_requirements (org_id, obligation_id, requirement_id) VALUES ('org-{o}', ?, '` + req + `')`},
			{"context_issues.owner_id → members", "mem", `UPDATE context_issues SET owner_id = ? WHERE id = 'ci-{o}'`},
			{"context_issue_risks.issue_id → context_issues", "ci", `INSERT INTO context_issue_risks (org_id, issue_id, risk_id) VALUES ('org-{o}', ?, 'risk-{o}')`},
			{"context_issue_risks.risk_id → risks", "risk", `INSERT INTO context_issue_risks (org_id, issue_id, risk_id) VALUES ('org-{o}', 'ci-{o}', ?)`},
			{"interested_parties.owner_id → members", "mem", `UPDATE interested_parties SET owner_id = ? WHERE id = 'ip-{o}'`},
			{"interested_party_obligations.party_id → interested_parties", "ip", `INSERT INTO interested_party_obligations (org_id, party_id, obligation_id) VALUES ('org-{o}', ?, 'ob-{o}')`},
			{"interested_party_obligations.obligation_id → obligations", "ob", `INSERT INTO interested_party_obligations (org_id, party_id, obligation_id) VALUES ('org-{o}', 'ip-{o}', ?)`},
			{"interested_party_controls.party_id → interested_parties", "ip", `INSERT INTO interested_party_controls (org_id, party_id, control_id) VALUES ('org-{o}', ?, 'ctl-{o}')`},
			{"interested_party_controls.control_id → controls", "ctl", `INSERT INTO interested_party_controls (org_id, party_id, control_id) VALUES ('org-{o}', 'ip-{o}', ?)`},
			{"scope_statements.updated_by → members", "mem", `INSERT INTO scope_statements (org_id, content, updated_by, created_at, updated_at) VALUES ('org-{o}', '{}', ?, ` + ts + `, ` + ts + `)`},
			{"scope_statements.submitted_by → members", "mem", `INSERT INTO scope_statements (org_id, content, submitted_by, created_at, updated_at) VALUES ('org-{o}', '{}', ?, ` + ts + `, ` + ts + `)`},
			{"scope_assets.asset_id → assets", "ast", `INSERT INTO scope_assets (org_id, asset_id) VALUES ('org-{o}', ?)`},
			{"scope_revisions.submitted_by → members", "mem", `INSERT INTO scope_revisions (org_id, revision, submitted_by, approved_by, approved_at, document) VALUES ('org-{o}', 1, ?, 'mem-{o}', ` + ts + `, '{}')`},
			{"scope_revisions.approved_by → members", "mem", `INSERT INTO scope_revisions (org_id, revision, submitted_by, approved_by, approved_at, document) VALUES ('org-{o}', 1, 'mem-{o}', ?, ` + ts + `, '{}')`},
		}
		var covered []string
		for _, c := range cases {
			covered = append(covered, c.fk)
		}
		sort.Strings(covered)
		want := append(slices.Clone(tenantFKs), laterTenantFKs...)
		sort.Strings(want)
		if !slices.Equal(covered, want) {
			t.Fatalf("the cases cover %q, want every composite foreign key %q", covered, want)
		}
		// exec runs q with arg in a transaction that is rolled back, leaving the fixture as it was.
		exec := func(q, arg string) error {
			tx, err := db.SQL().Begin()
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			_, err = tx.Exec(fkRebind(db, q), arg)
			return err
		}
		for _, c := range cases {
			for _, o := range []struct{ own, other string }{{"a", "b"}, {"b", "a"}} {
				t.Run(c.fk+" in "+o.own, func(t *testing.T) {
					q := strings.ReplaceAll(c.q, "{o}", o.own)
					if err := exec(q, c.target+"-"+o.other); !isForeignKeyViolation(err) {
						t.Errorf("%s with %s-%s (another organisation's): want a foreign key violation, got %v", q, c.target, o.other, err)
					}
					if err := exec(q, c.target+"-"+o.own); err != nil {
						t.Errorf("%s with %s-%s (its own organisation's): %v", q, c.target, o.own, err)
					}
				})
			}
		}
		// A row that claims the other organisation is refused too: the org_id of a
		// link must be that of both ends.
		if err := exec(`INSERT INTO risk_assets (org_id, risk_id, asset_id) VALUES ('org-b', 'risk-a', ?)`, "ast-b"); !isForeignKeyViolation(err) {
			t.Errorf("risk_assets row of org-b linking risk-a: want a foreign key violation, got %v", err)
		}
	})
}

// TestTenantForeignKeysKeepDeleteRules: deleting a risk or a control still takes
// its links with it (ON DELETE CASCADE), an asset still linked to a risk still
// cannot be deleted, and deleting an organisation removes all its rows.
func TestTenantForeignKeysKeepDeleteRules(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		req := fkFixture(t, db)
		const ts = `'2026-12-01 10:00:00+00'`
		for _, o := range []string{"a", "b"} {
			for _, q := range []string{
				`INSERT INTO api_tokens (id, org_id, member_id, name, token_hash, prefix, created_at) VALUES ('tok-{o}', 'org-{o}', 'mem-{o}', 'CI', 'hash-{o}', 'p', ` + ts + `)`,
				`INSERT INTO import_uploads (id, org_id, member_id, kind, filename, content, created_at) VALUES ('up-{o}', 'org-{o}', 'mem-{o}', 'assets', 'a.csv', 'x', ` + ts + `)`,
				`INSERT INTO control_requirements (org_id, control_id, requirement_id, origin, created_at) VALUES ('org-{o}', 'ctl-{o}', '` + req + `', 'manual', ` + ts + `)`,
				`INSERT INTO control_risks (org_id, control_id, risk_id, created_at) VALUES ('org-{o}', 'ctl-{o}', 'risk-{o}', ` + ts + `)`,
				`INSERT INTO asset_tags (org_id, asset_id, tag) VALUES ('org-{o}', 'ast-{o}', 'laptop')`,
				`INSERT INTO risk_assets (org_id, risk_id, asset_id) VALUES ('org-{o}', 'risk-{o}', 'ast-{o}')`,
				`INSERT INTO risk_signoffs (id, org_id, risk_id, signer_id, as_owner, as_approver, comment, at) VALUES ('so-{o}', 'org-{o}', 'risk-{o}', 'mem-{o}', TRUE, FALSE, '', ` + ts + `)`,
				`INSERT INTO risk_actions (id, org_id, risk_id, title, owner_id, status, created_at, updated_at) VALUES ('act-{o}', 'org-{o}', 'risk-{o}', 'Fix', 'mem-{o}', 'open', ` + ts + `, ` + ts + `)`,
				`INSERT INTO risk_reviews (id, org_id, risk_id, actor_id, at, reason, changes) VALUES ('rev-{o}', 'org-{o}', 'risk-{o}', 'cli:test', ` + ts + `, '', '{}')`,
			} {
				if _, err := db.SQL().Exec(strings.ReplaceAll(q, "{o}", o)); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
		}
		rowsOf := func(table, org string) int {
			return count(t, db, `SELECT COUNT(*) FROM `+table+` WHERE org_id = '`+org+`'`)
		}
		mustExec := func(q string) {
			t.Helper()
			if _, err := db.SQL().Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if _, err := db.SQL().Exec(`DELETE FROM assets WHERE id = 'ast-a'`); !isForeignKeyViolation(err) {
			t.Errorf("deleting an asset linked to a risk: want a foreign key violation, got %v", err)
		}
		if _, err := db.SQL().Exec(`DELETE FROM members WHERE id = 'mem-a'`); !isForeignKeyViolation(err) {
			t.Errorf("deleting a member who owns rows: want a foreign key violation, got %v", err)
		}
		mustExec(`DELETE FROM risks WHERE id = 'risk-a'`)
		for _, table := range []string{"control_risks", "risk_assets", "risk_signoffs", "risk_actions", "risk_reviews"} {
			if n := rowsOf(table, "org-a"); n != 0 {
				t.Errorf("%s: %d rows of a deleted risk", table, n)
			}
		}
		mustExec(`DELETE FROM controls WHERE id = 'ctl-a'`)
		if n := rowsOf("control_requirements", "org-a"); n != 0 {
			t.Errorf("control_requirements: %d rows of a deleted control", n)
		}
		mustExec(`DELETE FROM assets WHERE id = 'ast-a'`) // no risk links it any more
		if n := rowsOf("asset_tags", "org-a"); n != 0 {
			t.Errorf("asset_tags: %d rows of a deleted asset", n)
		}
		mustExec(`INSERT INTO gap_answers (org_id, assessment_id, requirement_id, answer, answered_at) SELECT 'org-a', 'gap-a', id, 'partial', '2026-12-01 10:00:00+00' FROM requirements ORDER BY id LIMIT 1`)
		mustExec(`DELETE FROM gap_assessments WHERE id = 'gap-a'`)
		if n := rowsOf("gap_answers", "org-a"); n != 0 {
			t.Errorf("gap_answers: %d rows of a deleted assessment", n)
		}
		mustExec(`DELETE FROM members WHERE id = 'mem-a'`) // owns nothing any more
		for _, table := range []string{"api_tokens", "import_uploads"} {
			if n := rowsOf(table, "org-a"); n != 0 {
				t.Errorf("%s: %d rows of a deleted member", table, n)
			}
		}
		// Organisation b goes with everything it holds, whatever the order of the cascades.
		mustExec(`DELETE FROM organisations WHERE id = 'org-b'`)
		for _, col := range schema(t, db) {
			if table, ok := strings.CutSuffix(col, ".org_id"); ok && table != "audit_log" && table != "audit_heads" && table != "audit_checkpoints" {
				if n := rowsOf(table, "org-b"); n != 0 {
					t.Errorf("%s: %d rows of a deleted organisation", table, n)
				}
			}
		}
		assertForeignKeysHold(t, db)
	})
}

// assertForeignKeysHold checks that no row breaks a foreign key: PRAGMA
// foreign_key_check on SQLite; on PostgreSQL every foreign key is validated.
func assertForeignKeysHold(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	q := `SELECT COUNT(*) FROM pragma_foreign_key_check`
	if db.Dialect == sqlstore.Postgres {
		q = `SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f' AND NOT convalidated`
	}
	if n := count(t, db, q); n != 0 {
		t.Errorf("%s: %d", q, n)
	}
}

// tableDigests returns, for every table but the migrations' own and SQLite's FTS
// shadow tables, its row count and a hash of its sorted rows.
func tableDigests(t *testing.T, db *sqlstore.DB) map[string]string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%'`
	if db.Dialect == sqlstore.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`
	}
	var tables []string
	rows, err := db.SQL().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		if s != "schema_migrations" {
			tables = append(tables, s)
		}
	}
	rows.Close()
	out := map[string]string{}
	for _, table := range tables {
		rows, err := db.SQL().Query(`SELECT * FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = hex.EncodeToString(bs)
				}
				fmt.Fprintf(&b, "%s=%T:%v|", cols[i], v, v)
			}
			lines = append(lines, b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		sort.Strings(lines)
		sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
		out[table] = fmt.Sprintf("%d rows, %s", len(lines), hex.EncodeToString(sum[:8]))
	}
	return out
}

// indexesAndTriggers describes every index and trigger: on SQLite each index by
// table, origin, uniqueness, partiality and columns (automatic indexes have no
// stable name) plus the SQL of those created by name; on PostgreSQL by definition.
func indexesAndTriggers(t *testing.T, db *sqlstore.DB) []string {
	t.Helper()
	q := `SELECT m.name || ' ' || CASE WHEN il.origin = 'c' THEN il.name ELSE il.origin END || ' unique=' || il."unique" || ' partial=' || il.partial || ' ('
			|| (SELECT group_concat(COALESCE(ii.name, 'expr'), ', ') FROM pragma_index_info(il.name) ii) || ') '
			|| COALESCE((SELECT sql FROM sqlite_master WHERE type = 'index' AND name = il.name), '')
		FROM sqlite_master m JOIN pragma_index_list(m.name) il WHERE m.type = 'table'
		UNION ALL SELECT 'trigger ' || name || ' ' || sql FROM sqlite_master WHERE type = 'trigger'`
	if db.Dialect == sqlstore.Postgres {
		q = `SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
			UNION ALL SELECT 'trigger ' || tgname || ' ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal`
	}
	rows, err := db.SQL().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// searchAssets returns the refs of p's assets that the full-text search finds for q.
func searchAssets(t *testing.T, svc *areas.ISMS, p *bulwark.Principal, q string) []string {
	t.Helper()
	assets, _, err := svc.Assets.Assets(context.Background(), p, assets.AssetFilter{Q: q, Limit: 200, IncludeArchived: true})
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, a := range assets {
		refs = append(refs, a.Ref)
	}
	sort.Strings(refs)
	return refs
}

const fkTestPassword = "correct horse battery staple"

// populateOrg creates an organisation through the app with a bit of everything:
// members, assets, controls with owners, risks with assets, controls, threats,
// vulnerabilities, actions, sign-offs and reassessments, an API token, a password
// reset, an upload and a session.
func populateOrg(t *testing.T, svc *areas.ISMS, name, domain string) *bulwark.Principal {
	t.Helper()
	ctx := context.Background()
	meta := app.Meta{ActorID: "cli:test"}
	owner := "owner@" + domain
	org, _, err := svc.CreateOrganisation(ctx, app.NewOrganisation{Name: name, OwnerEmail: owner, OwnerName: "Owner", Password: fkTestPassword}, meta)
	if err != nil {
		t.Fatal(err)
	}
	sys := svc.CLIPrincipal(org, "test")
	colleague := "colleague@" + domain
	inv, err := svc.Invite(ctx, sys, colleague, bulwark.RoleContributor)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.AcceptInvitation(ctx, inv.Link[strings.LastIndex(inv.Link, "/")+1:], nil, "Colleague", fkTestPassword, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Invite(ctx, sys, "pending@"+domain, bulwark.RoleAuditor); err != nil { // left pending
		t.Fatal(err)
	}
	principal := func(email string) *bulwark.Principal {
		m, u, err := svc.MemberByEmail(ctx, org.ID, email)
		if err != nil {
			t.Fatal(err)
		}
		return svc.PrincipalForMember(org, m, u)
	}
	ownerP, colleagueP := principal(owner), principal(colleague)
	var assetIDs []string
	for i, n := range []string{"Billing database", "Office laptop", "Payroll spreadsheet", "Customer portal"} {
		typ, desc, loc, tags := "information", name+" "+n, "Head office", []string{"tag" + fmt.Sprint(i%2)}
		own, cust := &ownerP.MemberID, &colleagueP.MemberID
		a, err := svc.Assets.CreateAsset(ctx, sys, assets.AssetInput{Name: &n, Type: &typ, Description: &desc, Location: &loc, OwnerID: &own, CustodianID: &cust, Tags: &tags})
		if err != nil {
			t.Fatal(err)
		}
		assetIDs = append(assetIDs, a.ID)
	}
	controlSet, err := svc.Controls.Controls(ctx, sys, controls.ControlFilter{})
	if err != nil || len(controlSet) < 3 {
		t.Fatalf("controls: %d, %v", len(controlSet), err)
	}
	for _, c := range controlSet[:3] {
		own, status := &colleagueP.MemberID, "partial"
		if _, err := svc.Controls.UpdateControl(ctx, sys, c.ID, controls.ControlInput{OwnerID: &own, Status: &status}, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	threats, err := svc.Risks.Library(ctx, sys, "threat")
	if err != nil || len(threats) == 0 {
		t.Fatalf("threats: %d, %v", len(threats), err)
	}
	vulns, err := svc.Risks.Library(ctx, sys, "vulnerability")
	if err != nil || len(vulns) == 0 {
		t.Fatalf("vulnerabilities: %d, %v", len(vulns), err)
	}
	for i := range 3 {
		title := fmt.Sprintf("%s risk %d", name, i)
		tid, vid, own := &threats[i].ID, &vulns[i].ID, &colleagueP.MemberID
		l, im := 2+i, 3
		lp, ip := &l, &im
		assets, ctrls := []string{assetIDs[i], assetIDs[i+1]}, []string{controlSet[i].ID, controlSet[i+1].ID}
		r, err := svc.Risks.CreateRisk(ctx, sys, risks.RiskInput{Title: &title, ThreatID: &tid, VulnerabilityID: &vid, OwnerID: &own,
			AssetIDs: &assets, ControlIDs: &ctrls, InherentLikelihood: &lp, InherentImpact: &ip})
		if err != nil {
			t.Fatal(err)
		}
		actTitle, due := "Treat "+title, "2027-03-01"
		dp := &due
		if _, err := svc.Risks.SaveAction(ctx, sys, r.ID, "", risks.ActionInput{Title: &actTitle, OwnerID: &own, DueDate: &dp}, nil); err != nil {
			t.Fatal(err)
		}
		l2 := 1
		l2p := &l2
		if _, err := svc.Risks.UpdateRisk(ctx, sys, r.ID, risks.RiskInput{InherentLikelihood: &l2p, Reason: "reassessed"}, nil, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Risks.SignOff(ctx, colleagueP, r.ID, "Accepted."); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.CreateToken(ctx, sys, colleagueP.MemberID, "CI", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.IssuePasswordReset(ctx, sys, colleagueP.MemberID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SaveUpload(ctx, ownerP, "assets", "assets.csv", []byte("name,type\nRouter,hardware\n")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.SignIn(ctx, owner, fkTestPassword, "192.0.2.1", "test", "req-1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.SignIn(ctx, colleague, "wrong password, sorry", "192.0.2.2", "test", "req-2"); err == nil {
		t.Fatal("a wrong password signed in")
	}
	return sys
}

// TestTenantForeignKeysMigrationKeepsData migrates a populated database (the
// demo organisation and two more, with everything the app stores) to the tenant
// foreign keys: every table keeps exactly its rows, every index and trigger is
// still there, the foreign keys hold, full-text search still finds what it
// found, and the app goes on working.
func TestTenantForeignKeysMigrationKeepsData(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			// The organisations were seeded by the code of the day, into the schema just before the migration,
			// and kept as a file (testdata/README.md): today's code would write today's columns.
			db, all := databaseBeforeTenantFKs(t, d)
			var rest []int64
			for _, m := range all {
				if m.Version >= tenantFKVersion {
					rest = append(rest, m.Version)
				}
			}
			if rest[0] != tenantFKVersion {
				t.Fatalf("migration %d not found: %v", tenantFKVersion, rest)
			}

			svc := areas.New(app.New(db, password.NewHasher(password.TestParams, 4), nil, app.Config{BaseURL: "http://bulwark.test"}))
			var principals []*bulwark.Principal
			for _, o := range []struct{ slug, owner string }{{"northwind-health-ltd", ""}, {"second-client", "owner@second.example"}, {"third-client", "owner@third.example"}} {
				org, err := svc.OrganisationBySlug(ctx, o.slug)
				if err != nil {
					t.Fatalf("%s: %v", o.slug, err)
				}
				if o.owner == "" {
					principals = append(principals, svc.CLIPrincipal(org, "test"))
					continue
				}
				m, u, err := svc.MemberByEmail(ctx, org.ID, o.owner)
				if err != nil {
					t.Fatal(err)
				}
				principals = append(principals, svc.PrincipalForMember(org, m, u))
			}

			digests := tableDigests(t, db)
			for _, table := range []string{"organisations", "members", "api_tokens", "invitations", "password_resets", "sessions", "sign_in_failures",
				"audit_log", "controls", "control_requirements", "control_risks", "assets", "asset_tags", "import_uploads",
				"risk_library", "risks", "risk_assets", "risk_signoffs", "risk_actions", "risk_reviews", "risk_heat"} {
				if strings.HasPrefix(digests[table], "0 rows") {
					t.Errorf("%s is empty before the migration: the test would prove nothing about it", table)
				}
			}
			structure := indexesAndTriggers(t, db)
			words := []string{"laptop", "patient", "billing", "portal", "leeds"}
			found := map[string][]string{}
			for i, p := range principals {
				for _, w := range words {
					found[fmt.Sprint(i, w)] = searchAssets(t, svc, p, w)
				}
			}
			if len(found["0laptop"]) == 0 || len(found["1billing"]) == 0 {
				t.Fatalf("search finds nothing before the migration: %v", found)
			}

			// This migration alone: later ones add tables of their own.
			var through []sqlstore.Migration
			for _, m := range all {
				if m.Version <= tenantFKVersion {
					through = append(through, m)
				}
			}
			applied, err := db.MigrateWith(ctx, through)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(applied, rest[:1]) {
				t.Fatalf("applied %v, want %v", applied, rest[:1])
			}

			after := tableDigests(t, db)
			for table, want := range digests {
				if after[table] != want {
					t.Errorf("%s: %s before the migration, %s after", table, want, after[table])
				}
			}
			if len(after) != len(digests) {
				t.Errorf("%d tables before the migration, %d after", len(digests), len(after))
			}
			newStructure := indexesAndTriggers(t, db)
			var added []string
			for _, s := range newStructure {
				if i, ok := slices.BinarySearch(structure, s); ok {
					structure = slices.Delete(structure, i, i+1)
				} else {
					added = append(added, s)
				}
			}
			if len(structure) > 0 {
				t.Errorf("indexes or triggers lost or changed by the migration:\n%s", strings.Join(structure, "\n"))
			}
			for _, s := range added {
				if !strings.Contains(s, "_org_id_id_key") {
					t.Errorf("unexpected new index or trigger: %s", s)
				}
			}
			if len(added) != 5 {
				t.Errorf("want a unique (org_id, id) index on members, controls, assets, risk_library and risks, got:\n%s", strings.Join(added, "\n"))
			}
			assertForeignKeysHold(t, db)
			if d == sqlstore.SQLite && !foreignKeysOn(t, db) {
				t.Error("foreign keys left off after the migration")
			}
			if d == sqlstore.SQLite {
				var integrity string
				if _, err := db.SQL().Exec(`INSERT INTO assets_fts(assets_fts, rank) VALUES ('integrity-check', 1)`); err != nil {
					t.Errorf("assets_fts integrity check: %v", err)
				}
				if err := db.SQL().QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
					t.Errorf("integrity_check: %q, %v", integrity, err)
				}
			}
			for i, p := range principals {
				for _, w := range words {
					if got := searchAssets(t, svc, p, w); !slices.Equal(got, found[fmt.Sprint(i, w)]) {
						t.Errorf("organisation %d, search %q: %v after the migration, %v before", i, w, got, found[fmt.Sprint(i, w)])
					}
				}
			}

			// The app goes on, on today's schema: the FTS triggers follow new and changed assets, and
			// risks link the organisation's own rows.
			if _, err := db.MigrateWith(ctx, all); err != nil {
				t.Fatal(err)
			}
			p := principals[1]
			n, typ := "Quarantined zebra appliance", "hardware"
			a, err := svc.Assets.CreateAsset(ctx, p, assets.AssetInput{Name: &n, Type: &typ})
			if err != nil {
				t.Fatal(err)
			}
			if got := searchAssets(t, svc, p, "zebra"); !slices.Equal(got, []string{a.Ref}) {
				t.Errorf("search for a new asset: %v", got)
			}
			renamed := "Quarantined okapi appliance"
			if _, err := svc.Assets.UpdateAsset(ctx, p, a.ID, assets.AssetInput{Name: &renamed}, nil, nil); err != nil {
				t.Fatal(err)
			}
			if got := searchAssets(t, svc, p, "zebra"); len(got) != 0 {
				t.Errorf("search for an asset's old name: %v", got)
			}
			if got := searchAssets(t, svc, p, "okapi"); !slices.Equal(got, []string{a.Ref}) {
				t.Errorf("search for an asset's new name: %v", got)
			}
			controlSet, err := svc.Controls.Controls(ctx, p, controls.ControlFilter{})
			if err != nil {
				t.Fatal(err)
			}
			title, assets, ctrls := "After the migration", []string{a.ID}, []string{controlSet[0].ID}
			r, err := svc.Risks.CreateRisk(ctx, p, risks.RiskInput{Title: &title, AssetIDs: &assets, ControlIDs: &ctrls})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.AssetIDs) != 1 || len(r.ControlIDs) != 1 {
				t.Errorf("risk links: assets %v, controls %v", r.AssetIDs, r.ControlIDs)
			}
			assertForeignKeysHold(t, db)
		})
	}
}
