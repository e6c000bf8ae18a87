package suppliers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Service is the supplier register's operations: each checks the principal's
// permission, stays inside its organisation and writes its audit entry in the
// same transaction as the change.
type Service struct{ *app.Service }

// PermImport is what importing the supplier register needs: it creates suppliers and changes any of them.
const PermImport = bulwark.PermISMSEdit

// New returns the supplier area's service over the kernel's.
func New(k *app.Service) *Service {
	k.AddImport("suppliers", PermImport)
	return &Service{Service: k}
}

func today(p *bulwark.Principal) string { return bulwark.Today(time.Now(), p.Org.Settings.TimeZone) }

// Input lists what a person may set on a supplier; nil fields stay as they are.
type Input struct {
	Ref, Name, Services, Status                                *string
	DataProcessed, SystemAccess, Replaceability                *string
	TierOverrideReason                                         *string
	OwnerID, ContractStart, ContractEnd, DPASigned, LastReview **string
	TierOverride                                               **int
	PersonalData                                               *bool
	DataLocations                                              *[]string
	Contacts                                                   *[]Contact
	AssetIDs, RiskIDs, ControlIDs                              *[]string
}

// apply copies the given fields onto s and returns what changed.
func (in Input) apply(s *Supplier) bulwark.Changes {
	ch := bulwark.Changes{}
	text := func(name string, dst, v *string, lower bool) {
		if v == nil {
			return
		}
		t := strings.TrimSpace(strings.ReplaceAll(*v, "\r\n", "\n"))
		if lower {
			t = strings.ToLower(t)
		}
		app.Set(ch, name, dst, &t)
	}
	text("name", &s.Name, in.Name, false)
	text("services", &s.Services, in.Services, false)
	text("status", &s.Status, in.Status, true)
	text("data_processed", &s.DataProcessed, in.DataProcessed, true)
	text("system_access", &s.SystemAccess, in.SystemAccess, true)
	text("replaceability", &s.Replaceability, in.Replaceability, true)
	text("tier_override_reason", &s.TierOverrideReason, in.TierOverrideReason, false)
	for _, o := range []struct {
		name string
		dst  **string
		v    **string
	}{{"owner_id", &s.OwnerID, in.OwnerID}, {"contract_start", &s.ContractStart, in.ContractStart}, {"contract_end", &s.ContractEnd, in.ContractEnd},
		{"dpa_signed", &s.DPASigned, in.DPASigned}, {"last_review_date", &s.LastReviewDate, in.LastReview}} {
		if o.v != nil && *o.v != nil && strings.TrimSpace(**o.v) == "" {
			var none *string
			o.v = &none
		}
		app.SetOpt(ch, o.name, o.dst, o.v)
	}
	app.SetOpt(ch, "tier_override", &s.TierOverride, in.TierOverride)
	app.Set(ch, "personal_data", &s.PersonalData, in.PersonalData)
	if in.DataLocations != nil {
		if l := NormalizeCountries(*in.DataLocations); !slices.Equal(l, s.DataLocations) {
			ch["data_locations"] = bulwark.Change{Before: s.DataLocations, After: l}
			s.DataLocations = l
		}
	}
	if in.Contacts != nil {
		if c := NormalizeContacts(*in.Contacts); !slices.Equal(c, s.Contacts) {
			ch["contacts"] = bulwark.Change{Before: s.Contacts, After: c}
			s.Contacts = c
		}
	}
	for _, l := range []struct {
		name string
		dst  *[]string
		v    *[]string
	}{{"asset_ids", &s.AssetIDs, in.AssetIDs}, {"risk_ids", &s.RiskIDs, in.RiskIDs}, {"control_ids", &s.ControlIDs, in.ControlIDs}} {
		if l.v == nil {
			continue
		}
		ids := []string{}
		for _, id := range *l.v {
			if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		if !slices.Equal(ids, *l.dst) {
			ch[l.name] = bulwark.Change{Before: *l.dst, After: ids}
			*l.dst = ids
		}
	}
	return ch
}

// derive computes what follows from the answers and the tiering: the computed
// tier, the tier that counts, and the next review date.
func derive(s *Supplier, t *Tiering, ch bulwark.Changes) {
	computed := t.Tier(s.DataProcessed, s.SystemAccess, s.Replaceability)
	if computed != s.ComputedTier && s.ComputedTier != 0 {
		ch["computed_tier"] = bulwark.Change{Before: s.ComputedTier, After: computed}
	}
	s.ComputedTier = computed
	s.Tier = EffectiveTier(computed, s.TierOverride)
	if s.TierOverride == nil {
		s.TierOverrideReason = ""
	}
	next := t.NextReview(s.Tier, s.LastReviewDate)
	if !app.EqPtr(next, s.NextReviewDate) {
		ch["next_review_date"] = bulwark.Change{Before: s.NextReviewDate, After: next}
	}
	s.NextReviewDate = next
}

// check validates s and that what it links to is the organisation's (before is nil for a new supplier).
func check(ctx context.Context, tx *sqlstore.Tx, orgID string, s, before *Supplier) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if before == nil || !app.EqPtr(s.OwnerID, before.OwnerID) {
		if err := app.CheckMember(ctx, tx, orgID, "owner_id", s.OwnerID); err != nil {
			return err
		}
	}
	for _, l := range []struct {
		name, table string
		ids         []string
	}{{"asset_ids", "assets", s.AssetIDs}, {"risk_ids", "risks", s.RiskIDs}, {"control_ids", "controls", s.ControlIDs}} {
		if len(l.ids) == 0 {
			continue
		}
		if len(l.ids) > 500 {
			return bulwark.Invalid(l.name, "lists at most 500")
		}
		in, arg := tx.InList("id", l.ids)
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+l.table+` WHERE org_id = ? AND `+in, orgID, arg).Scan(&n); err != nil {
			return fmt.Errorf("check %s: %w", l.name, err)
		}
		if n != len(l.ids) {
			return bulwark.Invalid(l.name, "names a record that is not this organisation's")
		}
	}
	return nil
}

// Tiering returns the organisation's tiering.
func (s *Service) Tiering(ctx context.Context, p *bulwark.Principal) (Tiering, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return Tiering{}, err
	}
	var t Tiering
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		t, err = loadTiering(ctx, tx, p.Org.ID)
		return err
	})
	return t, err
}

// SetTiering replaces the organisation's tiering and recomputes every supplier's
// tier and next review date with it. expect is the version the caller saw (optional).
func (s *Service) SetTiering(ctx context.Context, p *bulwark.Principal, t Tiering, expect *int) (Tiering, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return Tiering{}, err
	}
	if err := t.Validate(); err != nil {
		return Tiering{}, err
	}
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		cur, err := loadTiering(ctx, tx, p.Org.ID)
		if err != nil {
			return err
		}
		if expect != nil && *expect != cur.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "The tiering was changed by someone else (version %d, not %d); reload and try again.", cur.Version, *expect)
		}
		t.Version = cur.Version
		if err := saveTiering(ctx, tx, p.Org.ID, &t); err != nil {
			return err
		}
		all, err := allSuppliers(ctx, tx, p.Org.ID, false)
		if err != nil {
			return err
		}
		changed := 0
		for _, sup := range all {
			ch := bulwark.Changes{}
			tier, next := sup.ComputedTier, sup.NextReviewDate
			derive(sup, &t, ch)
			if sup.ComputedTier == tier && app.EqPtr(next, sup.NextReviewDate) {
				continue
			}
			changed++
			if err := updateSupplier(ctx, tx, p.Org.ID, sup, false); err != nil {
				return err
			}
			if err := app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "supplier.retier", "supplier", sup.ID, sup.Ref, ch); err != nil {
				return err
			}
		}
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "supplier_tiering.update", "supplier_tiering", "", "", bulwark.Changes{
			"tiering": bulwark.Change{Before: cur, After: t}, "suppliers_retiered": bulwark.Added(changed)})
	})
	return t, err
}

// List reads one page of the register.
func (s *Service) List(ctx context.Context, p *bulwark.Principal, f Filter) ([]*Supplier, string, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, "", err
	}
	var out []*Supplier
	var next string
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, next, err = listSuppliers(ctx, tx, p.Org.ID, today(p), f)
		return err
	})
	return out, next, err
}

// Get reads one supplier (by id or ref), archived or not.
func (s *Service) Get(ctx context.Context, p *bulwark.Principal, id string) (*Supplier, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Supplier
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = getSupplier(ctx, tx, p.Org.ID, id, today(p))
		return err
	})
	return out, err
}

// Create adds a supplier; without a ref it gets the next S-NNN, without an owner its creator owns it.
func (s *Service) Create(ctx context.Context, p *bulwark.Principal, in Input) (*Supplier, error) {
	if err := app.Require(p, bulwark.PermISMSCreate); err != nil {
		return nil, err
	}
	sup := &Supplier{Status: StatusOnboarding, DataProcessed: "none", SystemAccess: "none", Replaceability: "easy",
		DataLocations: []string{}, Contacts: []Contact{}, AssetIDs: []string{}, RiskIDs: []string{}, ControlIDs: []string{}, CertificateState: CertNone}
	if p.MemberID != "" && in.OwnerID == nil {
		id := p.MemberID
		sup.OwnerID = &id
	}
	if in.Ref != nil && strings.TrimSpace(*in.Ref) != "" {
		sup.Ref = strings.ToUpper(strings.TrimSpace(*in.Ref))
		if !bulwark.ValidRef(sup.Ref) {
			return nil, bulwark.Invalid("ref", "must look like S-001: letters and digits, a dash, digits")
		}
	}
	ch := in.apply(sup)
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		t, err := loadTiering(ctx, tx, p.Org.ID)
		if err != nil {
			return err
		}
		derive(sup, &t, ch)
		ch["tier"] = bulwark.Added(sup.Tier)
		if err := check(ctx, tx, p.Org.ID, sup, nil); err != nil {
			return err
		}
		if err := insertSupplier(ctx, tx, p.Org.ID, sup); err != nil {
			return err
		}
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "supplier.create", "supplier", sup.ID, sup.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	return sup, nil
}

// changeable reads supplier id for p to change: its owner, or anyone who may edit every record.
func changeable(ctx context.Context, tx *sqlstore.Tx, p *bulwark.Principal, id string, expect *int) (*Supplier, error) {
	sup, err := getSupplier(ctx, tx, p.Org.ID, id, today(p))
	if err != nil {
		return nil, err
	}
	if !app.CanEdit(p, sup.OwnerID) {
		return nil, bulwark.Errorf(bulwark.EFORBIDDEN, "You can change only the suppliers you own.")
	}
	if expect != nil && *expect != sup.Version {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "The supplier was changed by someone else (version %d, not %d); reload and try again.", sup.Version, *expect)
	}
	return sup, nil
}

// Update changes a supplier. Archiving (archive true) hides it from lists; it
// stays readable by id. expect is the version the caller saw (optional).
func (s *Service) Update(ctx context.Context, p *bulwark.Principal, id string, in Input, expect *int, archive *bool) (*Supplier, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Supplier
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		sup, err := changeable(ctx, tx, p, id, expect)
		if err != nil {
			return err
		}
		if in.Ref != nil && strings.TrimSpace(*in.Ref) != "" && !strings.EqualFold(strings.TrimSpace(*in.Ref), sup.Ref) {
			return bulwark.Invalid("ref", "cannot be changed")
		}
		before := *sup
		ch := in.apply(sup)
		t, err := loadTiering(ctx, tx, p.Org.ID)
		if err != nil {
			return err
		}
		derive(sup, &t, ch)
		if before.Tier != sup.Tier {
			ch["tier"] = bulwark.Change{Before: before.Tier, After: sup.Tier}
		}
		if err := check(ctx, tx, p.Org.ID, sup, &before); err != nil {
			return err
		}
		action := "supplier.update"
		if archive != nil && *archive != (sup.ArchivedAt != nil) {
			if *archive {
				now := tx.Now()
				sup.ArchivedAt, action = &now, "supplier.archive"
			} else {
				sup.ArchivedAt, action = nil, "supplier.restore"
			}
			ch["archived_at"] = bulwark.Change{After: sup.ArchivedAt}
		}
		out = sup
		if len(ch) == 0 {
			return nil
		}
		if err := updateSupplier(ctx, tx, p.Org.ID, sup, true); err != nil {
			return err
		}
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), action, "supplier", sup.ID, sup.Ref, ch)
	})
	return out, err
}

// CertificateInput lists what a person may set on a certificate; nil fields stay as they are.
type CertificateInput struct {
	Kind, Name, Number, Body, Scope                                     *string
	IssuedOn, ExpiresOn, ReportType, PeriodStart, PeriodEnd, EvidenceID **string
}

func (in CertificateInput) apply(c *Certificate) bulwark.Changes {
	ch := bulwark.Changes{}
	for _, t := range []struct {
		name string
		dst  *string
		v    *string
	}{{"kind", &c.Kind, in.Kind}, {"name", &c.Name, in.Name}, {"number", &c.Number, in.Number}, {"body", &c.Body, in.Body}, {"scope", &c.Scope, in.Scope}} {
		if t.v != nil {
			v := strings.TrimSpace(*t.v)
			if t.name == "kind" {
				v = strings.ToLower(v)
			}
			app.Set(ch, t.name, t.dst, &v)
		}
	}
	for _, o := range []struct {
		name string
		dst  **string
		v    **string
	}{{"issued_on", &c.IssuedOn, in.IssuedOn}, {"expires_on", &c.ExpiresOn, in.ExpiresOn}, {"report_type", &c.ReportType, in.ReportType},
		{"period_start", &c.PeriodStart, in.PeriodStart}, {"period_end", &c.PeriodEnd, in.PeriodEnd}, {"evidence_id", &c.EvidenceID, in.EvidenceID}} {
		if o.v != nil && *o.v != nil && strings.TrimSpace(**o.v) == "" {
			var none *string
			o.v = &none
		}
		app.SetOpt(ch, o.name, o.dst, o.v)
	}
	return ch
}

// checkCertificate validates c and that its evidence is the organisation's.
func checkCertificate(ctx context.Context, tx *sqlstore.Tx, orgID string, c *Certificate) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.EvidenceID != nil {
		// People type the reference they see in the evidence register (E-012); the id is kept.
		var id string
		err := tx.QueryRow(ctx, `SELECT id FROM evidence WHERE org_id = ? AND (id = ? OR ref = ?)`, orgID, *c.EvidenceID, strings.ToUpper(strings.TrimSpace(*c.EvidenceID))).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return bulwark.Invalid("evidence_id", "names no evidence item of this organisation (give its reference, E-012)")
		} else if err != nil {
			return fmt.Errorf("check evidence: %w", err)
		}
		c.EvidenceID = &id
	}
	return nil
}

// Certificates lists a supplier's certificates, archived ones when archived, soonest expiry first.
func (s *Service) Certificates(ctx context.Context, p *bulwark.Principal, supplierID string, archived bool) ([]*Certificate, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Certificate
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		sup, err := getSupplier(ctx, tx, p.Org.ID, supplierID, today(p))
		if err != nil {
			return err
		}
		out, err = certificates(ctx, tx, p.Org.ID, sup.ID, archived)
		return err
	})
	for _, c := range out {
		c.Mark(today(p))
	}
	return out, err
}

// AddCertificate records a certificate of supplier supplierID.
func (s *Service) AddCertificate(ctx context.Context, p *bulwark.Principal, supplierID string, in CertificateInput) (*Certificate, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	c := &Certificate{}
	ch := in.apply(c)
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		sup, err := changeable(ctx, tx, p, supplierID, nil)
		if err != nil {
			return err
		}
		c.SupplierID = sup.ID
		if err := checkCertificate(ctx, tx, p.Org.ID, c); err != nil {
			return err
		}
		if err := insertCertificate(ctx, tx, p.Org.ID, c); err != nil {
			return err
		}
		ch["certificate_id"] = bulwark.Added(c.ID)
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "supplier.certificate_add", "supplier", sup.ID, sup.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	c.Mark(today(p))
	return c, nil
}

// UpdateCertificate changes, or archives (archive true), a certificate of supplier supplierID.
func (s *Service) UpdateCertificate(ctx context.Context, p *bulwark.Principal, supplierID, id string, in CertificateInput, expect *int, archive bool) (*Certificate, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Certificate
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		sup, err := changeable(ctx, tx, p, supplierID, nil)
		if err != nil {
			return err
		}
		c, err := getCertificate(ctx, tx, p.Org.ID, sup.ID, id)
		if err != nil {
			return err
		}
		if expect != nil && *expect != c.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "The certificate was changed by someone else (version %d, not %d); reload and try again.", c.Version, *expect)
		}
		ch := in.apply(c)
		action := "supplier.certificate_update"
		if archive && c.ArchivedAt == nil {
			now := tx.Now()
			c.ArchivedAt, action = &now, "supplier.certificate_archive"
			ch["archived_at"] = bulwark.Added(now)
		}
		if err := checkCertificate(ctx, tx, p.Org.ID, c); err != nil {
			return err
		}
		out = c
		if len(ch) == 0 {
			return nil
		}
		if err := updateCertificate(ctx, tx, p.Org.ID, c); err != nil {
			return err
		}
		ch["certificate_id"] = bulwark.Added(c.ID)
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), action, "supplier", sup.ID, sup.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	out.Mark(today(p))
	return out, nil
}

// CertificateDue is a certificate expired or expiring, with its supplier, for the dashboard and tasks.
type CertificateDue struct {
	*Certificate
	SupplierRef, SupplierName string
	OwnerID                   *string
}

// CertificatesDue lists the live certificates of live suppliers that expired or expire within 60
// days, soonest first; of one owner's suppliers when ownerID is given.
func (s *Service) CertificatesDue(ctx context.Context, p *bulwark.Principal, ownerID string) ([]CertificateDue, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	day := today(p)
	out := []CertificateDue{}
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		q, args := `SELECT c.id, c.supplier_id, c.kind, c.name, c.number, c.body, c.scope, c.issued_on, c.expires_on, c.report_type, c.period_start, c.period_end,
			c.evidence_id, c.version, c.created_at, c.updated_at, c.archived_at, s.ref, s.name, s.owner_id
			FROM supplier_certificates c JOIN suppliers s ON s.org_id = c.org_id AND s.id = c.supplier_id
			WHERE c.org_id = ? AND c.archived_at IS NULL AND s.archived_at IS NULL AND s.status <> 'ended' AND c.expires_on <= ?`, []any{p.Org.ID, addDays(day, ExpiringWithinDays)}
		if ownerID != "" {
			q, args = q+` AND s.owner_id = ?`, append(args, ownerID)
		}
		rows, err := tx.Query(ctx, q+` ORDER BY c.expires_on, s.ref_number LIMIT 200`, args...)
		if err != nil {
			return fmt.Errorf("certificates due: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var d CertificateDue
			var owner *string
			c, err := scanCertificate(scanTail{rows, []any{&d.SupplierRef, &d.SupplierName, &owner}})
			if err != nil {
				return err
			}
			c.Mark(day)
			d.Certificate, d.OwnerID = c, owner
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// scanTail scans a row whose first columns are what a scan function reads, followed by extra columns.
type scanTail struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (s scanTail) Scan(dst ...any) error { return s.row.Scan(append(dst, s.extra...)...) }

// ReviewsDue lists live suppliers whose next review date is on or before day (of one owner when given).
func (s *Service) ReviewsDue(ctx context.Context, p *bulwark.Principal, ownerID, day string) ([]*Supplier, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	f := Filter{OwnerID: ownerID, ReviewTo: day, Sort: "next_review_date", Limit: 100}
	out, _, err := s.List(ctx, p, f)
	return out, err
}

// Readiness is what the supplier register says for the readiness of A.5.19–A.5.22:
// how many live tier-1 suppliers there are, and how many of them are assured by a
// current certificate or a questionnaire accepted within their review interval.
type Readiness struct {
	Tier1, Tier1Assured int
}

// ReadinessOf counts orgID's tier-1 suppliers (not ended, not archived) and those
// assured on day today (YYYY-MM-DD): with a live certificate not expired, or a
// questionnaire accepted and the next review not yet past.
func ReadinessOf(ctx context.Context, tx *sqlstore.Tx, orgID string, today string) (Readiness, error) {
	var r Readiness
	err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN
			EXISTS (SELECT 1 FROM supplier_certificates c WHERE c.org_id = s.org_id AND c.supplier_id = s.id AND c.archived_at IS NULL AND c.expires_on > ?)
			OR (EXISTS (SELECT 1 FROM supplier_questionnaires q WHERE q.org_id = s.org_id AND q.supplier_id = s.id AND q.status = 'accepted')
				AND s.next_review_date >= ?)
		THEN 1 ELSE 0 END), 0)
		FROM suppliers s WHERE s.org_id = ? AND s.archived_at IS NULL AND s.status <> 'ended' AND COALESCE(s.tier_override, s.tier) = 1`,
		today, today, orgID).Scan(&r.Tier1, &r.Tier1Assured)
	if err != nil {
		return r, fmt.Errorf("supplier readiness: %w", err)
	}
	return r, nil
}
