package suppliers

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// loadTiering reads orgID's tiering, or the defaults when it never changed them.
func loadTiering(ctx context.Context, tx *sqlstore.Tx, orgID string) (Tiering, error) {
	var raw string
	var version int
	err := tx.QueryRow(ctx, `SELECT settings, version FROM supplier_tiering WHERE org_id = ?`, orgID).Scan(&raw, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultTiering(), nil
	} else if err != nil {
		return Tiering{}, fmt.Errorf("supplier tiering: %w", err)
	}
	t := DefaultTiering()
	if err := json.Unmarshal([]byte(raw), &t); err != nil {
		return Tiering{}, fmt.Errorf("supplier tiering: %w", err)
	}
	t.Version = version
	return t, nil
}

// saveTiering stores orgID's tiering if its version is still t.Version.
func saveTiering(ctx context.Context, tx *sqlstore.Tx, orgID string, t *Tiering) error {
	b, _ := json.Marshal(t)
	if t.Version <= 1 {
		res, err := tx.Exec(ctx, `INSERT INTO supplier_tiering (org_id, settings, version, updated_at) VALUES (?, ?, 2, ?) ON CONFLICT (org_id) DO NOTHING`, orgID, string(b), tx.Now())
		if err != nil {
			return fmt.Errorf("store supplier tiering: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			t.Version = 2
			return nil
		}
	}
	res, err := tx.Exec(ctx, `UPDATE supplier_tiering SET settings = ?, version = version + 1, updated_at = ? WHERE org_id = ? AND version = ?`, string(b), tx.Now(), orgID, t.Version)
	if err != nil {
		return fmt.Errorf("store supplier tiering: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The tiering was changed by someone else; reload and try again.")
	}
	t.Version++
	return nil
}

const supplierColumns = `s.id, s.ref, s.name, s.services, s.owner_id, s.status, s.data_processed, s.system_access, s.replaceability, s.tier, s.tier_override,
	s.tier_override_reason, s.personal_data, s.data_locations, s.contract_start, s.contract_end, s.dpa_signed, s.last_review_date, s.next_review_date,
	s.contacts, s.version, s.created_at, s.updated_at, s.archived_at, s.ref_number`

func scanSupplier(row interface{ Scan(...any) error }) (*Supplier, int, error) {
	var s Supplier
	var owner, start, end, dpa, last, next sql.NullString
	var override sql.NullInt64
	var archived sql.NullTime
	var locations, contacts string
	var num int
	err := row.Scan(&s.ID, &s.Ref, &s.Name, &s.Services, &owner, &s.Status, &s.DataProcessed, &s.SystemAccess, &s.Replaceability, &s.ComputedTier, &override,
		&s.TierOverrideReason, &s.PersonalData, &locations, &start, &end, &dpa, &last, &next, &contacts, &s.Version, &s.CreatedAt, &s.UpdatedAt, &archived, &num)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, bulwark.Errorf(bulwark.ENOTFOUND, "Supplier not found.")
	} else if err != nil {
		return nil, 0, fmt.Errorf("scan supplier: %w", err)
	}
	s.OwnerID, s.ContractStart, s.ContractEnd, s.DPASigned = sqlstore.StrPtr(owner), sqlstore.StrPtr(start), sqlstore.StrPtr(end), sqlstore.StrPtr(dpa)
	s.LastReviewDate, s.NextReviewDate, s.TierOverride, s.ArchivedAt = sqlstore.StrPtr(last), sqlstore.StrPtr(next), sqlstore.IntPtr(override), sqlstore.TimePtr(archived)
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	s.Tier = EffectiveTier(s.ComputedTier, s.TierOverride)
	s.DataLocations = []string{}
	for _, c := range strings.Split(locations, " | ") {
		if c = strings.TrimSpace(c); c != "" {
			s.DataLocations = append(s.DataLocations, c)
		}
	}
	if err := json.Unmarshal([]byte(contacts), &s.Contacts); err != nil {
		return nil, 0, fmt.Errorf("supplier %s: contacts: %w", s.Ref, err)
	}
	if s.Contacts == nil {
		s.Contacts = []Contact{}
	}
	s.AssetIDs, s.RiskIDs, s.ControlIDs, s.CertificateState = []string{}, []string{}, []string{}, CertNone
	return &s, num, nil
}

func contactsJSON(cs []Contact) string {
	if cs == nil {
		cs = []Contact{}
	}
	b, _ := json.Marshal(cs)
	return string(b)
}

// linkTables are the tables linking a supplier to other records, with the column naming them.
var linkTables = []struct{ table, col string }{{"supplier_assets", "asset_id"}, {"supplier_risks", "risk_id"}, {"supplier_controls", "control_id"}}

func (s *Supplier) links() []*[]string { return []*[]string{&s.AssetIDs, &s.RiskIDs, &s.ControlIDs} }

// loadLinks fills the linked ids of suppliers (keyed by id) in three queries.
func loadLinks(ctx context.Context, tx *sqlstore.Tx, orgID string, byID map[string]*Supplier) error {
	if len(byID) == 0 {
		return nil
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	in, arg := tx.InList("supplier_id", ids)
	for i, lt := range linkTables {
		rows, err := tx.Query(ctx, `SELECT supplier_id, `+lt.col+` FROM `+lt.table+` WHERE org_id = ? AND `+in+` ORDER BY `+lt.col, orgID, arg)
		if err != nil {
			return fmt.Errorf("supplier links: %w", err)
		}
		for rows.Next() {
			var sid, target string
			if err := rows.Scan(&sid, &target); err != nil {
				rows.Close()
				return err
			}
			if s := byID[sid]; s != nil {
				l := s.links()[i]
				*l = append(*l, target)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// setLinks replaces the linked ids of supplier s.
func setLinks(ctx context.Context, tx *sqlstore.Tx, orgID string, s *Supplier) error {
	for i, lt := range linkTables {
		if _, err := tx.Exec(ctx, `DELETE FROM `+lt.table+` WHERE org_id = ? AND supplier_id = ?`, orgID, s.ID); err != nil {
			return fmt.Errorf("supplier links: %w", err)
		}
		for _, id := range *s.links()[i] {
			if _, err := tx.Exec(ctx, `INSERT INTO `+lt.table+` (org_id, supplier_id, `+lt.col+`) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, orgID, s.ID, id); err != nil {
				return fmt.Errorf("supplier links: %w", err)
			}
		}
	}
	return nil
}

// markCertificates sets each supplier's certificate state on day today from its live certificates.
func markCertificates(ctx context.Context, tx *sqlstore.Tx, orgID, today string, byID map[string]*Supplier) error {
	if len(byID) == 0 {
		return nil
	}
	certs, err := certificates(ctx, tx, orgID, "", false)
	if err != nil {
		return err
	}
	per := map[string][]*Certificate{}
	for _, c := range certs {
		c.Mark(today)
		per[c.SupplierID] = append(per[c.SupplierID], c)
	}
	for id, s := range byID {
		s.CertificateState = BestState(per[id])
	}
	return nil
}

// getSupplier reads supplier id (or ref) of orgID with its links and certificate state on today.
func getSupplier(ctx context.Context, tx *sqlstore.Tx, orgID, id, today string) (*Supplier, error) {
	s, _, err := scanSupplier(tx.QueryRow(ctx, `SELECT `+supplierColumns+` FROM suppliers s WHERE s.org_id = ? AND (s.id = ? OR s.ref = ?)`, orgID, id, strings.ToUpper(id)))
	if err != nil {
		return nil, err
	}
	byID := map[string]*Supplier{s.ID: s}
	if err := loadLinks(ctx, tx, orgID, byID); err != nil {
		return nil, err
	}
	return s, markCertificates(ctx, tx, orgID, today, byID)
}

// Filter selects and orders suppliers.
type Filter struct {
	Q, Status, OwnerID, DataProcessed string
	Tier                              int
	Certificate                       string // a certificate state: current, expiring, expired, none
	PersonalData                      *bool
	ReviewFrom, ReviewTo              string // next_review_date within
	IncludeArchived                   bool
	Sort, Cursor                      string
	Limit                             int
}

var sortFields = map[string]sqlstore.SortField{
	"ref": {Expr: "s.ref_number", Kind: 'n'}, "name": {Expr: "s.name", Kind: 's'}, "status": {Expr: "s.status", Kind: 's'},
	"tier": {Expr: "COALESCE(s.tier_override, s.tier)", Kind: 'n'}, "next_review_date": {Expr: "COALESCE(s.next_review_date, '')", Kind: 's'},
	"created_at": {Expr: "s.created_at", Kind: 't'}, "updated_at": {Expr: "s.updated_at", Kind: 't'},
}

// certCond is the condition that a supplier's live certificates are in state on day today.
func certCond(state, today string) (string, []any) {
	soon := addDays(today, ExpiringWithinDays)
	const live = `FROM supplier_certificates c WHERE c.org_id = s.org_id AND c.supplier_id = s.id AND c.archived_at IS NULL`
	current := `EXISTS (SELECT 1 ` + live + ` AND c.expires_on > ?)`
	switch state {
	case CertCurrent:
		return current, []any{soon}
	case CertExpiring:
		return `NOT ` + current + ` AND EXISTS (SELECT 1 ` + live + ` AND c.expires_on > ? AND c.expires_on <= ?)`, []any{soon, today, soon}
	case CertExpired:
		return `NOT EXISTS (SELECT 1 ` + live + ` AND c.expires_on > ?) AND EXISTS (SELECT 1 ` + live + ` AND c.expires_on <= ?)`, []any{today, today}
	default:
		return `NOT EXISTS (SELECT 1 ` + live + ` AND c.expires_on IS NOT NULL)`, nil
	}
}

// listSuppliers reads one page of orgID's suppliers and the cursor of the next ("" when last).
func listSuppliers(ctx context.Context, tx *sqlstore.Tx, orgID, today string, f Filter) ([]*Supplier, string, error) {
	var where strings.Builder
	args := []any{orgID}
	where.WriteString(` WHERE s.org_id = ?`)
	add := func(cond string, vs ...any) {
		where.WriteString(" AND " + cond)
		args = append(args, vs...)
	}
	if !f.IncludeArchived {
		add("s.archived_at IS NULL")
	}
	for _, c := range []struct{ col, v string }{{"s.status", f.Status}, {"s.owner_id", f.OwnerID}, {"s.data_processed", f.DataProcessed}} {
		if c.v != "" {
			add(c.col+" = ?", c.v)
		}
	}
	if f.Tier != 0 {
		add("COALESCE(s.tier_override, s.tier) = ?", f.Tier)
	}
	if f.PersonalData != nil {
		add("s.personal_data = ?", *f.PersonalData)
	}
	if f.ReviewFrom != "" {
		add("s.next_review_date >= ?", f.ReviewFrom)
	}
	if f.ReviewTo != "" {
		add("s.next_review_date <= ?", f.ReviewTo)
	}
	if f.Certificate != "" {
		cond, cargs := certCond(f.Certificate, today)
		add(cond, cargs...)
	}
	if q := strings.ToLower(strings.TrimSpace(f.Q)); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
		add(`(LOWER(s.name) LIKE ? ESCAPE '\' OR LOWER(s.ref) LIKE ? ESCAPE '\' OR LOWER(s.services) LIKE ? ESCAPE '\')`, like, like, like)
	}
	k, err := sqlstore.NewKeyset(f.Sort, f.Cursor, f.Limit, sortFields, "ref", "s.id")
	if err != nil {
		return nil, "", err
	}
	if k.Cond != "" {
		add(k.Cond, k.Args...)
	}
	order, args := k.OrderLimit("s.id", args)
	rows, err := tx.Query(ctx, `SELECT `+supplierColumns+` FROM suppliers s`+where.String()+order, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list suppliers: %w", err)
	}
	defer rows.Close()
	out := []*Supplier{}
	var nums []int
	for rows.Next() {
		s, n, err := scanSupplier(rows)
		if err != nil {
			return nil, "", err
		}
		out, nums = append(out, s), append(nums, n)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	rows.Close()
	next := ""
	if len(out) > k.Limit {
		out = out[:k.Limit]
		last := out[k.Limit-1]
		next = k.Next(last.ID, map[string]any{"ref": nums[k.Limit-1], "name": last.Name, "status": last.Status, "tier": last.Tier,
			"next_review_date": last.NextReviewDate, "created_at": last.CreatedAt, "updated_at": last.UpdatedAt}[k.Field])
	}
	byID := map[string]*Supplier{}
	for _, s := range out {
		byID[s.ID] = s
	}
	if err := loadLinks(ctx, tx, orgID, byID); err != nil {
		return nil, "", err
	}
	return out, next, markCertificates(ctx, tx, orgID, today, byID)
}

// allSuppliers reads every supplier of orgID (archived ones too) with their links, in ref order: imports and exports.
func allSuppliers(ctx context.Context, tx *sqlstore.Tx, orgID string, live bool) ([]*Supplier, error) {
	q := `SELECT ` + supplierColumns + ` FROM suppliers s WHERE s.org_id = ?`
	if live {
		q += ` AND s.archived_at IS NULL`
	}
	rows, err := tx.Query(ctx, q+` ORDER BY s.ref_number, s.ref`, orgID)
	if err != nil {
		return nil, fmt.Errorf("suppliers: %w", err)
	}
	defer rows.Close()
	var out []*Supplier
	byID := map[string]*Supplier{}
	for rows.Next() {
		s, _, err := scanSupplier(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		byID[s.ID] = s
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, loadLinks(ctx, tx, orgID, byID)
}

// insertSupplier stores a new supplier of orgID; an empty Ref gets the next S-NNN.
func insertSupplier(ctx context.Context, tx *sqlstore.Tx, orgID string, s *Supplier) error {
	num := bulwark.ParseRefNumber(RefPrefix, s.Ref)
	if s.Ref == "" {
		n, err := tx.NextRef(ctx, orgID, RefPrefix)
		if err != nil {
			return err
		}
		num, s.Ref = n, bulwark.FormatRef(RefPrefix, n)
	} else if num > 0 {
		if err := tx.BumpRef(ctx, orgID, RefPrefix, num); err != nil {
			return err
		}
	}
	now := tx.Now()
	s.ID, s.Version, s.CreatedAt, s.UpdatedAt = sqlstore.NewID(), 1, now, now
	_, err := tx.Exec(ctx, `INSERT INTO suppliers (id, org_id, ref, ref_number, name, services, owner_id, status, data_processed, system_access, replaceability,
		tier, tier_override, tier_override_reason, personal_data, data_locations, contract_start, contract_end, dpa_signed, last_review_date, next_review_date,
		contacts, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		s.ID, orgID, s.Ref, num, s.Name, s.Services, s.OwnerID, s.Status, s.DataProcessed, s.SystemAccess, s.Replaceability, s.ComputedTier, s.TierOverride,
		s.TierOverrideReason, s.PersonalData, strings.Join(s.DataLocations, " | "), s.ContractStart, s.ContractEnd, s.DPASigned, s.LastReviewDate, s.NextReviewDate,
		contactsJSON(s.Contacts), now, now)
	if sqlstore.IsUniqueViolation(err) {
		return bulwark.Errorf(bulwark.ECONFLICT, "A supplier with the reference %s already exists.", s.Ref)
	}
	if err != nil {
		return fmt.Errorf("insert supplier: %w", err)
	}
	return setLinks(ctx, tx, orgID, s)
}

// updateSupplier writes every field of s if its version is still s.Version.
func updateSupplier(ctx context.Context, tx *sqlstore.Tx, orgID string, s *Supplier, links bool) error {
	res, err := tx.Exec(ctx, `UPDATE suppliers SET name = ?, services = ?, owner_id = ?, status = ?, data_processed = ?, system_access = ?, replaceability = ?,
		tier = ?, tier_override = ?, tier_override_reason = ?, personal_data = ?, data_locations = ?, contract_start = ?, contract_end = ?, dpa_signed = ?,
		last_review_date = ?, next_review_date = ?, contacts = ?, archived_at = ?, version = version + 1, updated_at = ?
		WHERE org_id = ? AND id = ? AND version = ?`,
		s.Name, s.Services, s.OwnerID, s.Status, s.DataProcessed, s.SystemAccess, s.Replaceability, s.ComputedTier, s.TierOverride, s.TierOverrideReason,
		s.PersonalData, strings.Join(s.DataLocations, " | "), s.ContractStart, s.ContractEnd, s.DPASigned, s.LastReviewDate, s.NextReviewDate,
		contactsJSON(s.Contacts), sqlstore.NullTime(s.ArchivedAt), tx.Now(), orgID, s.ID, s.Version)
	if err != nil {
		return fmt.Errorf("update supplier: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The supplier was changed by someone else; reload and try again.")
	}
	s.Version++
	s.UpdatedAt = tx.Now()
	if links {
		return setLinks(ctx, tx, orgID, s)
	}
	return nil
}

const certColumns = `id, supplier_id, kind, name, number, body, scope, issued_on, expires_on, report_type, period_start, period_end, evidence_id,
	version, created_at, updated_at, archived_at`

func scanCertificate(row interface{ Scan(...any) error }) (*Certificate, error) {
	var c Certificate
	var issued, expires, rt, ps, pe, ev sql.NullString
	var archived sql.NullTime
	err := row.Scan(&c.ID, &c.SupplierID, &c.Kind, &c.Name, &c.Number, &c.Body, &c.Scope, &issued, &expires, &rt, &ps, &pe, &ev, &c.Version, &c.CreatedAt, &c.UpdatedAt, &archived)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Certificate not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan certificate: %w", err)
	}
	c.IssuedOn, c.ExpiresOn, c.ReportType, c.PeriodStart, c.PeriodEnd, c.EvidenceID = sqlstore.StrPtr(issued), sqlstore.StrPtr(expires), sqlstore.StrPtr(rt), sqlstore.StrPtr(ps), sqlstore.StrPtr(pe), sqlstore.StrPtr(ev)
	c.ArchivedAt, c.CreatedAt, c.UpdatedAt = sqlstore.TimePtr(archived), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

// certificates reads orgID's certificates: of one supplier (supplierID) or all, archived ones when archived.
func certificates(ctx context.Context, tx *sqlstore.Tx, orgID, supplierID string, archived bool) ([]*Certificate, error) {
	q, args := `SELECT `+certColumns+` FROM supplier_certificates WHERE org_id = ?`, []any{orgID}
	if supplierID != "" {
		q, args = q+` AND supplier_id = ?`, append(args, supplierID)
	}
	if !archived {
		q += ` AND archived_at IS NULL`
	}
	rows, err := tx.Query(ctx, q+` ORDER BY COALESCE(expires_on, '9999-12-31'), created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	defer rows.Close()
	out := []*Certificate{}
	for rows.Next() {
		c, err := scanCertificate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func getCertificate(ctx context.Context, tx *sqlstore.Tx, orgID, supplierID, id string) (*Certificate, error) {
	return scanCertificate(tx.QueryRow(ctx, `SELECT `+certColumns+` FROM supplier_certificates WHERE org_id = ? AND supplier_id = ? AND id = ?`, orgID, supplierID, id))
}

func insertCertificate(ctx context.Context, tx *sqlstore.Tx, orgID string, c *Certificate) error {
	now := tx.Now()
	c.ID, c.Version, c.CreatedAt, c.UpdatedAt = sqlstore.NewID(), 1, now, now
	_, err := tx.Exec(ctx, `INSERT INTO supplier_certificates (id, org_id, supplier_id, kind, name, number, body, scope, issued_on, expires_on, report_type,
		period_start, period_end, evidence_id, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		c.ID, orgID, c.SupplierID, c.Kind, c.Name, c.Number, c.Body, c.Scope, c.IssuedOn, c.ExpiresOn, c.ReportType, c.PeriodStart, c.PeriodEnd, c.EvidenceID, now, now)
	if err != nil {
		return fmt.Errorf("store certificate: %w", err)
	}
	return nil
}

func updateCertificate(ctx context.Context, tx *sqlstore.Tx, orgID string, c *Certificate) error {
	res, err := tx.Exec(ctx, `UPDATE supplier_certificates SET kind = ?, name = ?, number = ?, body = ?, scope = ?, issued_on = ?, expires_on = ?, report_type = ?,
		period_start = ?, period_end = ?, evidence_id = ?, archived_at = ?, version = version + 1, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?`,
		c.Kind, c.Name, c.Number, c.Body, c.Scope, c.IssuedOn, c.ExpiresOn, c.ReportType, c.PeriodStart, c.PeriodEnd, c.EvidenceID, sqlstore.NullTime(c.ArchivedAt),
		tx.Now(), orgID, c.ID, c.Version)
	if err != nil {
		return fmt.Errorf("update certificate: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The certificate was changed by someone else; reload and try again.")
	}
	c.Version++
	c.UpdatedAt = tx.Now()
	return nil
}

const qColumns = `q.id, q.ref, q.supplier_id, s.ref, s.name, q.template, q.questions, q.contact_name, q.contact_email, q.status, q.answers, q.score, q.sent_by,
	q.sent_at, q.expires_at, q.submitted_at, q.reviewed_by, q.reviewed_at, q.review_note, q.version, q.created_at, q.updated_at`

const qFrom = ` FROM supplier_questionnaires q JOIN suppliers s ON s.org_id = q.org_id AND s.id = q.supplier_id`

func scanQuestionnaire(row interface{ Scan(...any) error }) (*Questionnaire, error) {
	var q Questionnaire
	var questions, answers string
	var score sql.NullInt64
	var sentBy, reviewedBy sql.NullString
	var submitted, reviewed sql.NullTime
	err := row.Scan(&q.ID, &q.Ref, &q.SupplierID, &q.SupplierRef, &q.SupplierName, &q.Template, &questions, &q.ContactName, &q.ContactEmail, &q.Status, &answers,
		&score, &sentBy, &q.SentAt, &q.ExpiresAt, &submitted, &reviewedBy, &reviewed, &q.ReviewNote, &q.Version, &q.CreatedAt, &q.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Questionnaire not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan questionnaire: %w", err)
	}
	if err := json.Unmarshal([]byte(questions), &q.Questions); err != nil {
		return nil, fmt.Errorf("questionnaire %s: %w", q.Ref, err)
	}
	if err := json.Unmarshal([]byte(answers), &q.Answers); err != nil {
		return nil, fmt.Errorf("questionnaire %s: %w", q.Ref, err)
	}
	if q.Answers == nil {
		q.Answers = map[string]Answer{}
	}
	q.Score, q.SentBy, q.ReviewedBy = sqlstore.IntPtr(score), sqlstore.StrPtr(sentBy), sqlstore.StrPtr(reviewedBy)
	q.SubmittedAt, q.ReviewedAt = sqlstore.TimePtr(submitted), sqlstore.TimePtr(reviewed)
	q.SentAt, q.ExpiresAt, q.CreatedAt, q.UpdatedAt = q.SentAt.UTC(), q.ExpiresAt.UTC(), q.CreatedAt.UTC(), q.UpdatedAt.UTC()
	q.Files = []QuestionnaireFile{}
	return &q, nil
}

// questionnaires reads orgID's questionnaires, of one supplier or all, newest first (without their files).
func questionnaires(ctx context.Context, tx *sqlstore.Tx, orgID, supplierID string) ([]*Questionnaire, error) {
	q, args := `SELECT `+qColumns+qFrom+` WHERE q.org_id = ?`, []any{orgID}
	if supplierID != "" {
		q, args = q+` AND q.supplier_id = ?`, append(args, supplierID)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY q.ref_number DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("questionnaires: %w", err)
	}
	defer rows.Close()
	out := []*Questionnaire{}
	for rows.Next() {
		x, err := scanQuestionnaire(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// getQuestionnaire reads questionnaire id (or ref) of orgID with its files.
func getQuestionnaire(ctx context.Context, tx *sqlstore.Tx, orgID, id string) (*Questionnaire, error) {
	q, err := scanQuestionnaire(tx.QueryRow(ctx, `SELECT `+qColumns+qFrom+` WHERE q.org_id = ? AND (q.id = ? OR q.ref = ?)`, orgID, id, strings.ToUpper(id)))
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT n, question, filename, content_type, size, sha256, created_at FROM questionnaire_files WHERE org_id = ? AND questionnaire_id = ? ORDER BY n`, orgID, q.ID)
	if err != nil {
		return nil, fmt.Errorf("questionnaire files: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f QuestionnaireFile
		if err := rows.Scan(&f.N, &f.Question, &f.Filename, &f.ContentType, &f.Size, &f.SHA256, &f.CreatedAt); err != nil {
			return nil, err
		}
		f.CreatedAt = f.CreatedAt.UTC()
		q.Files = append(q.Files, f)
	}
	return q, rows.Err()
}

func insertQuestionnaire(ctx context.Context, tx *sqlstore.Tx, orgID string, q *Questionnaire) error {
	num, err := tx.NextRef(ctx, orgID, QuestionnaireRefPrefix)
	if err != nil {
		return err
	}
	now := tx.Now()
	q.ID, q.Ref, q.Version, q.CreatedAt, q.UpdatedAt = sqlstore.NewID(), bulwark.FormatRef(QuestionnaireRefPrefix, num), 1, now, now
	qs, _ := json.Marshal(q.Questions)
	as, _ := json.Marshal(q.Answers)
	_, err = tx.Exec(ctx, `INSERT INTO supplier_questionnaires (id, org_id, ref, ref_number, supplier_id, template, questions, contact_name, contact_email, status,
		answers, sent_by, sent_at, expires_at, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		q.ID, orgID, q.Ref, num, q.SupplierID, q.Template, string(qs), q.ContactName, q.ContactEmail, q.Status, string(as), q.SentBy, q.SentAt, q.ExpiresAt, now, now)
	if err != nil {
		return fmt.Errorf("store questionnaire: %w", err)
	}
	return nil
}

func updateQuestionnaire(ctx context.Context, tx *sqlstore.Tx, orgID string, q *Questionnaire) error {
	as, _ := json.Marshal(q.Answers)
	res, err := tx.Exec(ctx, `UPDATE supplier_questionnaires SET status = ?, answers = ?, score = ?, submitted_at = ?, reviewed_by = ?, reviewed_at = ?, review_note = ?,
		version = version + 1, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?`,
		q.Status, string(as), q.Score, sqlstore.NullTime(q.SubmittedAt), q.ReviewedBy, sqlstore.NullTime(q.ReviewedAt), q.ReviewNote, tx.Now(), orgID, q.ID, q.Version)
	if err != nil {
		return fmt.Errorf("update questionnaire: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The questionnaire was changed meanwhile; reload and try again.")
	}
	q.Version++
	q.UpdatedAt = tx.Now()
	return nil
}

func insertFile(ctx context.Context, tx *sqlstore.Tx, orgID string, q *Questionnaire, f *QuestionnaireFile) error {
	f.N, f.CreatedAt = len(q.Files)+1, tx.Now()
	_, err := tx.Exec(ctx, `INSERT INTO questionnaire_files (org_id, questionnaire_id, n, question, filename, content_type, size, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, q.ID, f.N, f.Question, f.Filename, f.ContentType, f.Size, f.SHA256, f.CreatedAt)
	if err != nil {
		return fmt.Errorf("store questionnaire file: %w", err)
	}
	q.Files = append(q.Files, *f)
	return nil
}

// addDays returns day (YYYY-MM-DD) plus n days.
func addDays(day string, n int) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}
