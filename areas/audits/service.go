// Package audits is internal audit (9.2): the audit programme, audits with their
// criteria, scope and team, checklists generated from the scope, and findings. A
// major or minor nonconformity found opens a nonconformity in the register of 10.2.
// Owners, admins and managers plan audits; only an audit's lead and team record its
// results and findings, and never on their own work.
package audits

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/documents"
	"github.com/bulwark-isms/bulwark/areas/nonconformities"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Service is the audit area's operations.
type Service struct{ *app.Service }

// New returns the audit area's service over the kernel's.
func New(k *app.Service) *Service { return &Service{Service: k} }

func today(p *bulwark.Principal) string { return bulwark.Today(time.Now(), p.Org.Settings.TimeZone) }

// Input is what planners set on an audit; nil fields stay as they are.
type Input struct {
	Title, Type, Criteria, Scope, LeadExternal, Status, Conclusion  *string
	PlannedStart, PlannedEnd, ActualStart, ActualEnd, LeadID        **string
	FrameworkIDs, RequirementIDs, ControlIDs, TeamIDs, TeamExternal *[]string
}

func (in Input) apply(a *Audit) bulwark.Changes {
	ch := bulwark.Changes{}
	for _, t := range []struct {
		name string
		dst  *string
		v    *string
	}{{"title", &a.Title, in.Title}, {"type", &a.Type, in.Type}, {"criteria", &a.Criteria, in.Criteria}, {"scope", &a.Scope, in.Scope},
		{"lead_external", &a.LeadExternal, in.LeadExternal}, {"status", &a.Status, in.Status}, {"conclusion", &a.Conclusion, in.Conclusion}} {
		if t.v != nil {
			s := strings.TrimSpace(strings.ReplaceAll(*t.v, "\r\n", "\n"))
			app.Set(ch, t.name, t.dst, &s)
		}
	}
	for _, o := range []struct {
		name string
		dst  **string
		v    **string
	}{{"planned_start", &a.PlannedStart, in.PlannedStart}, {"planned_end", &a.PlannedEnd, in.PlannedEnd}, {"actual_start", &a.ActualStart, in.ActualStart},
		{"actual_end", &a.ActualEnd, in.ActualEnd}, {"lead_id", &a.LeadID, in.LeadID}} {
		if o.v != nil && *o.v != nil && strings.TrimSpace(**o.v) == "" {
			var none *string
			o.v = &none
		}
		app.SetOpt(ch, o.name, o.dst, o.v)
	}
	for _, l := range []struct {
		name    string
		dst, in *[]string
		sorted  bool
	}{{"framework_ids", &a.FrameworkIDs, in.FrameworkIDs, true}, {"requirement_ids", &a.RequirementIDs, in.RequirementIDs, true},
		{"control_ids", &a.ControlIDs, in.ControlIDs, true}, {"team_ids", &a.TeamIDs, in.TeamIDs, true}, {"team_external", &a.TeamExternal, in.TeamExternal, false}} {
		if l.in == nil {
			continue
		}
		ids := uniq(*l.in)
		cur := slices.Clone(*l.dst)
		slices.Sort(cur)
		if !slices.Equal(ids, cur) {
			ch[l.name] = bulwark.Change{Before: cur, After: ids}
			*l.dst = ids
		}
	}
	return ch
}

// check validates a and that what it names is the organisation's (or the catalog's).
func check(ctx context.Context, tx *sqlstore.Tx, orgID string, a *Audit) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if err := app.CheckMember(ctx, tx, orgID, "lead_id", a.LeadID); err != nil {
		return err
	}
	for _, id := range a.TeamIDs {
		id := id
		if err := app.CheckMember(ctx, tx, orgID, "team_ids", &id); err != nil {
			return err
		}
	}
	for _, l := range []struct {
		field, q string
		tenant   bool
		ids      []string
		hint     string
	}{
		{"framework_ids", `SELECT COUNT(*) FROM frameworks WHERE `, false, a.FrameworkIDs, "names a framework that is not in the catalog (such as iso27001-2022)"},
		{"requirement_ids", `SELECT COUNT(*) FROM requirements WHERE `, false, a.RequirementIDs, "names a requirement that is not in the catalog (ids look like iso27001-2022:9.2 or iso27001-2022:A.5.15)"},
		{"control_ids", `SELECT COUNT(*) FROM controls WHERE org_id = ? AND `, true, a.ControlIDs, "names a control that is not this organisation's"},
	} {
		if len(l.ids) == 0 {
			continue
		}
		in, list := tx.InList("id", l.ids)
		args := []any{list}
		if l.tenant {
			args = []any{orgID, list}
		}
		var n int
		if err := tx.QueryRow(ctx, l.q+in, args...).Scan(&n); err != nil {
			return fmt.Errorf("check %s: %w", l.field, err)
		}
		if n != len(l.ids) {
			return bulwark.Invalid(l.field, l.hint)
		}
	}
	return nil
}

// Audits lists the audits, those of one year when year > 0 (planned or held in it).
func (s *Service) Audits(ctx context.Context, p *bulwark.Principal, year int) ([]*Audit, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Audit
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		if year > 0 {
			y := fmt.Sprintf("%04d", year)
			out, err = listAudits(ctx, tx, p.Org.ID, `AND (planned_start LIKE ? OR actual_start LIKE ?)`, y+"-%", y+"-%")
		} else {
			out, err = listAudits(ctx, tx, p.Org.ID, "")
		}
		return err
	})
	return out, err
}

// Audit reads one audit (by id or ref) with its checklist and findings: for whoever reads the
// registers, and for the audit's own team whatever their role.
func (s *Service) Audit(ctx context.Context, p *bulwark.Principal, id string) (*Audit, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	var out *Audit
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		a, err := getAudit(ctx, tx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if !p.Can(bulwark.PermISMSRead) && !a.OnTeam(p.MemberID) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "Only those who read the registers, and the audit's team, see %s.", a.Ref)
		}
		if a.Checklist, err = checklist(ctx, tx, p.Org.ID, a.ID); err != nil {
			return err
		}
		if a.FindingList, err = listFindings(ctx, tx, p.Org.ID, FindingFilter{AuditID: a.ID}); err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, err
}

// Create plans an audit; its checklist follows from its scope (GenerateChecklist).
func (s *Service) Create(ctx context.Context, p *bulwark.Principal, in Input) (*Audit, error) {
	if err := app.Require(p, bulwark.PermISMSCreate); err != nil {
		return nil, err
	}
	a := &Audit{Status: StatusPlanned, Type: "internal", FrameworkIDs: []string{}, RequirementIDs: []string{}, ControlIDs: []string{}, TeamIDs: []string{}, TeamExternal: []string{}}
	ch := in.apply(a)
	if a.Status != StatusPlanned {
		return nil, bulwark.Invalid("status", "a new audit starts planned")
	}
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		if err := check(ctx, tx, p.Org.ID, a); err != nil {
			return err
		}
		if err := insertAudit(ctx, tx, p.Org.ID, a); err != nil {
			return err
		}
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "audit.create", "audit", a.ID, a.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Update changes an audit. Planners (owners, admins, managers) change anything; the lead moves
// its status and writes its conclusion. A closed audit does not change.
func (s *Service) Update(ctx context.Context, p *bulwark.Principal, id string, in Input, expect *int) (*Audit, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	var out *Audit
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		a, err := getAudit(ctx, tx, p.Org.ID, id)
		if err != nil {
			return err
		}
		planner := p.Can(bulwark.PermISMSEdit)
		lead := a.LeadID != nil && *a.LeadID == p.MemberID
		if !planner && !lead {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "Only owners, admins and managers plan audits; the lead of %s moves it on.", a.Ref)
		}
		if !planner && (in.Title != nil || in.Type != nil || in.Criteria != nil || in.Scope != nil || in.LeadID != nil || in.LeadExternal != nil ||
			in.PlannedStart != nil || in.PlannedEnd != nil || in.FrameworkIDs != nil || in.RequirementIDs != nil || in.ControlIDs != nil || in.TeamIDs != nil || in.TeamExternal != nil) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "The lead moves %s on and writes its dates and conclusion; its plan is for owners, admins and managers.", a.Ref)
		}
		if expect != nil && *expect != a.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is at version %d, not %d: reload and try again.", a.Ref, a.Version, *expect)
		}
		if a.Status == StatusClosed {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is closed.", a.Ref)
		}
		from := a.Status
		ch := in.apply(a)
		if len(ch) == 0 {
			out = a
			return nil
		}
		if err := CanMove(from, a.Status); err != nil {
			return err
		}
		// Starting and finishing give the actual dates unless they were given.
		day := today(p)
		if from == StatusPlanned && a.Status == StatusInProgress && a.ActualStart == nil {
			a.ActualStart, ch["actual_start"] = &day, bulwark.Added(day)
		}
		if a.Status == StatusClosed && a.ActualEnd == nil {
			a.ActualEnd, ch["actual_end"] = &day, bulwark.Added(day)
		}
		if a.Status == StatusClosed {
			if strings.TrimSpace(a.Conclusion) == "" {
				return bulwark.Invalid("conclusion", "write the audit's conclusion before closing it")
			}
		}
		if err := check(ctx, tx, p.Org.ID, a); err != nil {
			return err
		}
		_, l1 := ch["framework_ids"]
		_, l2 := ch["requirement_ids"]
		_, l3 := ch["control_ids"]
		_, l4 := ch["team_ids"]
		_, l5 := ch["team_external"]
		if err := updateAudit(ctx, tx, p.Org.ID, a, l1 || l2 || l3 || l4 || l5); err != nil {
			return err
		}
		out = a
		action := "audit.update"
		if from != a.Status {
			action = "audit.status"
		}
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), action, "audit", a.ID, a.Ref, ch)
	})
	return out, err
}

// GenerateChecklist (re)builds an audit's checklist from its scope, keeping what was recorded on
// lines still in scope.
func (s *Service) GenerateChecklist(ctx context.Context, p *bulwark.Principal, id string) (*Audit, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		a, err := getAudit(ctx, tx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if !p.Can(bulwark.PermISMSEdit) && !(a.LeadID != nil && *a.LeadID == p.MemberID) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "Only planners and the lead of %s build its checklist.", a.Ref)
		}
		if a.Status == StatusClosed || a.Status == StatusReporting {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is %s: its checklist is settled.", a.Ref, a.Status)
		}
		if len(a.RequirementIDs) == 0 && len(a.ControlIDs) == 0 {
			return bulwark.Invalid("requirement_ids", "the audit's scope names no requirement or control yet")
		}
		cat, err := catalogRequirements(ctx, tx)
		if err != nil {
			return err
		}
		ctls, err := orgControls(ctx, tx, p.Org.ID)
		if err != nil {
			return err
		}
		lines := BuildChecklist(cat, a.RequirementIDs, ctls, a.ControlIDs)
		if err := replaceChecklist(ctx, tx, p.Org.ID, a.ID, lines); err != nil {
			return err
		}
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "audit.checklist", "audit", a.ID, a.Ref, bulwark.Changes{"checklist": bulwark.Added(len(lines))})
	})
	if err != nil {
		return nil, err
	}
	return s.Audit(ctx, p, id)
}

// recorder checks that p may record in audit a: on its team, while it runs.
func recorder(p *bulwark.Principal, a *Audit) error {
	if !a.OnTeam(p.MemberID) {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "Only the lead and team of %s record its results and findings.", a.Ref)
	}
	if !Recording(a.Status) {
		return bulwark.Errorf(bulwark.ECONFLICT, "%s is %s: results and findings are recorded while it is in progress or reporting.", a.Ref, a.Status)
	}
	return nil
}

// objectivity refuses, with segregation of duties on, a member auditing a control they own or
// what a document they authored covers (9.2: auditors do not audit their own work).
func objectivity(ctx context.Context, tx *sqlstore.Tx, p *bulwark.Principal, requirementID, controlID *string) error {
	if !p.Org.Settings.SegregationOfDuties || p.MemberID == "" {
		return nil
	}
	if controlID != nil {
		var ref string
		var owner *string
		if err := tx.QueryRow(ctx, `SELECT ref, owner_id FROM controls WHERE org_id = ? AND id = ?`, p.Org.ID, *controlID).Scan(&ref, &owner); err != nil {
			return fmt.Errorf("control owner: %w", err)
		}
		if owner != nil && *owner == p.MemberID {
			return bulwark.Invalid("result", "you own control "+ref+": with segregation of duties on, another member of the team audits it")
		}
	}
	docs, err := documents.Authored(ctx, tx, p.Org.ID, p.MemberID)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if controlID != nil && slices.Contains(d.ControlIDs, *controlID) || requirementID != nil && slices.Contains(d.RequirementIDs, *requirementID) {
			return bulwark.Invalid("result", "you authored "+d.Ref+" ("+d.Title+"), which covers this line: with segregation of duties on, another member of the team audits it")
		}
	}
	return nil
}

// LineInput is what an auditor records on a checklist line.
type LineInput struct {
	Result, Notes *string
	EvidenceIDs   *[]string
}

// RecordLine records an auditor's result on a line of the checklist.
func (s *Service) RecordLine(ctx context.Context, p *bulwark.Principal, auditID string, line int, in LineInput) (*Line, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	var out *Line
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		a, err := getAudit(ctx, tx, p.Org.ID, auditID)
		if err != nil {
			return err
		}
		l, err := getLine(ctx, tx, p.Org.ID, a.ID, line)
		if err != nil {
			return err
		}
		if err := recorder(p, a); err != nil {
			return err
		}
		if err := objectivity(ctx, tx, p, l.RequirementID, l.ControlID); err != nil {
			return err
		}
		ch := bulwark.Changes{}
		if in.Result != nil {
			if !slices.Contains(Results, *in.Result) {
				return bulwark.Invalid("result", "must be one of "+strings.Join(Results, ", "))
			}
			app.Set(ch, "result", &l.Result, in.Result)
		}
		if in.Notes != nil {
			if len(*in.Notes) > 20000 {
				return bulwark.Invalid("notes", "is too long (at most 20,000 characters)")
			}
			n := strings.TrimSpace(strings.ReplaceAll(*in.Notes, "\r\n", "\n"))
			app.Set(ch, "notes", &l.Notes, &n)
		}
		if in.EvidenceIDs != nil {
			ids := uniq(*in.EvidenceIDs)
			if len(ids) > 0 {
				q, list := tx.InList("id", ids)
				var n int
				if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM evidence WHERE org_id = ? AND `+q, p.Org.ID, list).Scan(&n); err != nil {
					return err
				}
				if n != len(ids) {
					return bulwark.Invalid("evidence_ids", "names evidence that is not this organisation's")
				}
			}
			if !slices.Equal(ids, l.EvidenceIDs) {
				ch["evidence_ids"] = bulwark.Change{Before: l.EvidenceIDs, After: ids}
				l.EvidenceIDs = ids
			}
		}
		if len(ch) == 0 {
			out = l
			return nil
		}
		now := tx.Now()
		by := p.MemberID
		l.AuditedBy, l.AuditedAt = &by, &now
		if err := updateLine(ctx, tx, p.Org.ID, a.ID, l); err != nil {
			return err
		}
		out = l
		ch["line"] = bulwark.Added(l.Label)
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "audit.record", "audit", a.ID, a.Ref, ch)
	})
	return out, err
}

// FindingInput is what a finding is raised or changed with.
type FindingInput struct {
	AuditID                                                    *string
	ChecklistLine                                              **int
	Classification, Title, Description, EvidenceSeen, RaisedOn *string
	RequirementID, ControlID, IncidentID, CheckID              **string
}

// Findings lists findings.
func (s *Service) Findings(ctx context.Context, p *bulwark.Principal, f FindingFilter) ([]*Finding, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Finding
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		if f.AuditID != "" {
			a, err := getAudit(ctx, tx, p.Org.ID, f.AuditID)
			if err != nil {
				return err
			}
			f.AuditID = a.ID
		}
		var err error
		out, err = listFindings(ctx, tx, p.Org.ID, f)
		return err
	})
	return out, err
}

// Finding reads one finding (by id or ref): for whoever reads the registers, and for the team of
// the audit it belongs to.
func (s *Service) Finding(ctx context.Context, p *bulwark.Principal, id string) (*Finding, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	var out *Finding
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		f, err := getFinding(ctx, tx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if !p.Can(bulwark.PermISMSRead) {
			var a *Audit
			if f.AuditID != nil {
				if a, err = getAudit(ctx, tx, p.Org.ID, *f.AuditID); err != nil {
					return err
				}
			}
			if a == nil || !a.OnTeam(p.MemberID) {
				return bulwark.Errorf(bulwark.EFORBIDDEN, "Only those who read the registers, and the audit's team, see %s.", f.Ref)
			}
		}
		out = f
		return nil
	})
	return out, err
}

// RaiseFinding records a finding: in an audit by its team while it runs (from a checklist line,
// which then takes the line's requirement and control), or directly — from an incident or a failing
// check — by anyone who may create records. A major or minor nonconformity opens a nonconformity,
// in the same transaction.
func (s *Service) RaiseFinding(ctx context.Context, p *bulwark.Principal, in FindingInput) (*Finding, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	f := &Finding{RaisedOn: today(p)}
	if p.MemberID != "" {
		by := p.MemberID
		f.RaisedBy = &by
	}
	var out *Finding
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		var a *Audit
		if in.AuditID != nil && strings.TrimSpace(*in.AuditID) != "" {
			var err error
			if a, err = getAudit(ctx, tx, p.Org.ID, *in.AuditID); err != nil {
				if bulwark.ErrorCode(err) == bulwark.ENOTFOUND {
					return bulwark.Invalid("audit_id", "names an audit that is not this organisation's")
				}
				return err
			}
			if err := recorder(p, a); err != nil {
				return err
			}
			id := a.ID
			f.AuditID, f.AuditRef = &id, a.Ref
		} else if err := app.Require(p, bulwark.PermISMSCreateOwn); err != nil {
			return err
		}
		ch := in.apply(f)
		if f.ChecklistLine != nil {
			if a == nil {
				return bulwark.Invalid("checklist_line", "belongs to an audit: give audit_id too")
			}
			l, err := getLine(ctx, tx, p.Org.ID, a.ID, *f.ChecklistLine)
			if err != nil {
				return bulwark.Invalid("checklist_line", fmt.Sprintf("%s has no checklist line %d", a.Ref, *f.ChecklistLine))
			}
			if f.RequirementID == nil {
				f.RequirementID = l.RequirementID
			}
			if f.ControlID == nil {
				f.ControlID = l.ControlID
			}
		}
		if a != nil {
			if err := objectivity(ctx, tx, p, f.RequirementID, f.ControlID); err != nil {
				return err
			}
		}
		if err := s.checkFinding(ctx, tx, p.Org.ID, f); err != nil {
			return err
		}
		if err := insertFinding(ctx, tx, p.Org.ID, f); err != nil {
			return err
		}
		if err := app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "finding.create", "finding", f.ID, f.Ref, ch); err != nil {
			return err
		}
		if err := openNonconformity(ctx, tx, p, f); err != nil {
			return err
		}
		out = f
		return nil
	})
	return out, err
}

// openNonconformity opens the nonconformity a major or minor finding calls for, and links it.
func openNonconformity(ctx context.Context, tx *sqlstore.Tx, p *bulwark.Principal, f *Finding) error {
	severity, ok := OpensNonconformity(f.Classification)
	if !ok || f.NonconformityID != nil {
		return nil
	}
	source := "audit"
	switch {
	case f.IncidentID != nil:
		source = "incident"
	case f.CheckID != nil:
		source = "check"
	}
	n := &nonconformities.Nonconformity{Title: f.Title, Description: f.Description, Severity: severity, Source: source, SourceRef: f.Ref,
		RequirementID: f.RequirementID, ControlID: f.ControlID, RaisedBy: f.RaisedBy, RaisedOn: f.RaisedOn,
		RootCauseWhys: []string{}, RootCauseFishbone: map[string]string{}}
	if f.ControlID != nil {
		// The control's owner answers for it; otherwise it waits for a manager to name an owner (an auditor
		// raising it should not own its correction).
		var owner *string
		if err := tx.QueryRow(ctx, `SELECT owner_id FROM controls WHERE org_id = ? AND id = ?`, p.Org.ID, *f.ControlID).Scan(&owner); err == nil && owner != nil {
			n.OwnerID = owner
		}
	}
	if err := nonconformities.Insert(ctx, tx, p.Org.ID, n); err != nil {
		return err
	}
	id := n.ID
	f.NonconformityID, f.NonconformityRef = &id, n.Ref
	if err := updateFinding(ctx, tx, p.Org.ID, f); err != nil {
		return err
	}
	return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "nonconformity.create", "nonconformity", n.ID, n.Ref,
		bulwark.Changes{"title": bulwark.Added(n.Title), "severity": bulwark.Added(severity), "source_ref": bulwark.Added(f.Ref), "status": bulwark.Added(n.Status)})
}

func (in FindingInput) apply(f *Finding) bulwark.Changes {
	ch := bulwark.Changes{}
	for _, t := range []struct {
		name string
		dst  *string
		v    *string
	}{{"classification", &f.Classification, in.Classification}, {"title", &f.Title, in.Title}, {"description", &f.Description, in.Description},
		{"evidence_seen", &f.EvidenceSeen, in.EvidenceSeen}, {"raised_on", &f.RaisedOn, in.RaisedOn}} {
		if t.v != nil {
			s := strings.TrimSpace(strings.ReplaceAll(*t.v, "\r\n", "\n"))
			app.Set(ch, t.name, t.dst, &s)
		}
	}
	for _, o := range []struct {
		name string
		dst  **string
		v    **string
	}{{"requirement_id", &f.RequirementID, in.RequirementID}, {"control_id", &f.ControlID, in.ControlID}, {"incident_id", &f.IncidentID, in.IncidentID}, {"check_id", &f.CheckID, in.CheckID}} {
		if o.v != nil && *o.v != nil && strings.TrimSpace(**o.v) == "" {
			var none *string
			o.v = &none
		}
		app.SetOpt(ch, o.name, o.dst, o.v)
	}
	if in.ChecklistLine != nil {
		app.SetOpt(ch, "checklist_line", &f.ChecklistLine, in.ChecklistLine)
	}
	return ch
}

// checkFinding validates f and that what it names is the organisation's.
func (s *Service) checkFinding(ctx context.Context, tx *sqlstore.Tx, orgID string, f *Finding) error {
	if err := f.Validate(); err != nil {
		return err
	}
	for _, l := range []struct {
		field, table string
		id           *string
		tenant       bool
	}{{"control_id", "controls", f.ControlID, true}, {"incident_id", "incidents", f.IncidentID, true}, {"check_id", "checks", f.CheckID, true},
		{"requirement_id", "requirements", f.RequirementID, false}} {
		if l.id == nil {
			continue
		}
		q, args := `SELECT COUNT(*) FROM `+l.table+` WHERE id = ?`, []any{*l.id}
		if l.tenant {
			q, args = q+` AND org_id = ?`, append(args, orgID)
		}
		var n int
		if err := tx.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			return fmt.Errorf("check %s: %w", l.field, err)
		}
		if n == 0 {
			return bulwark.Invalid(l.field, "names a record that is not this organisation's")
		}
	}
	return nil
}

// UpdateFinding changes a finding: in an audit its team while the audit runs, otherwise whoever
// may edit records. Raising its classification to a nonconformity opens one; a finding whose
// nonconformity is open cannot be lowered (the nonconformity is closed on its own terms).
func (s *Service) UpdateFinding(ctx context.Context, p *bulwark.Principal, id string, in FindingInput, expect *int) (*Finding, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	var out *Finding
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		f, err := getFinding(ctx, tx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if f.AuditID != nil {
			a, err := getAudit(ctx, tx, p.Org.ID, *f.AuditID)
			if err != nil {
				return err
			}
			if err := recorder(p, a); err != nil {
				return err
			}
		} else if !app.CanEdit(p, f.RaisedBy) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "Only who raised %s, or a manager, may change it.", f.Ref)
		}
		if expect != nil && *expect != f.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is at version %d, not %d: reload and try again.", f.Ref, f.Version, *expect)
		}
		if in.AuditID != nil || in.ChecklistLine != nil || in.IncidentID != nil || in.CheckID != nil {
			return bulwark.Invalid("audit_id", "where a finding came from does not change; raise a new one")
		}
		ch := in.apply(f)
		if len(ch) == 0 {
			out = f
			return nil
		}
		if _, nc := OpensNonconformity(f.Classification); !nc && f.NonconformityID != nil {
			return bulwark.Invalid("classification", f.Ref+" opened "+f.NonconformityRef+": it stays a nonconformity; close "+f.NonconformityRef+" on its own terms")
		}
		if f.AuditID != nil {
			if err := objectivity(ctx, tx, p, f.RequirementID, f.ControlID); err != nil {
				return err
			}
		}
		if err := s.checkFinding(ctx, tx, p.Org.ID, f); err != nil {
			return err
		}
		if err := updateFinding(ctx, tx, p.Org.ID, f); err != nil {
			return err
		}
		if err := app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "finding.update", "finding", f.ID, f.Ref, ch); err != nil {
			return err
		}
		out = f
		return openNonconformity(ctx, tx, p, f)
	})
	return out, err
}

// Programme is year's audits with what they cover, and the clauses no audit covers in the
// three-year cycle ending that year.
func (s *Service) Programme(ctx context.Context, p *bulwark.Principal, year int) (*Programme, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	if year < 1900 || year > 9999 {
		return nil, bulwark.Invalid("year", "must be a year such as 2027")
	}
	prog := &Programme{Year: year, CycleFrom: year - ProgrammeYears + 1}
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		cycle, err := listAudits(ctx, tx, p.Org.ID, `AND COALESCE(actual_start, planned_start) >= ? AND COALESCE(actual_start, planned_start) < ?`,
			fmt.Sprintf("%04d-01-01", prog.CycleFrom), fmt.Sprintf("%04d-01-01", year+1))
		if err != nil {
			return err
		}
		cat, err := catalogRequirements(ctx, tx)
		if err != nil {
			return err
		}
		prog.Audits = []*Audit{}
		for _, a := range cycle {
			when := a.PlannedStart
			if a.ActualStart != nil {
				when = a.ActualStart
			}
			if strings.HasPrefix(bulwark.Value(when), fmt.Sprintf("%04d-", year)) {
				prog.Audits = append(prog.Audits, a)
			}
		}
		prog.ClausesCovered, prog.ControlsCovered = Coverage(cat, prog.Audits)
		inCycle, _ := Coverage(cat, cycle)
		prog.Uncovered = []string{}
		for _, c := range LeafClauses(cat) {
			if !slices.Contains(inCycle, c) {
				prog.Uncovered = append(prog.Uncovered, c)
			}
		}
		if prog.ClausesCovered == nil {
			prog.ClausesCovered = []string{}
		}
		if prog.ControlsCovered == nil {
			prog.ControlsCovered = []string{}
		}
		return nil
	})
	return prog, err
}

// ThemeRequirements lists the ids of the Annex A controls of a theme (5 organisational, 6 people,
// 7 physical, 8 technological), for scoping an audit by theme.
func (s *Service) ThemeRequirements(ctx context.Context, theme string) ([]string, error) {
	var out []string
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		cat, err := catalogRequirements(ctx, tx)
		if err != nil {
			return err
		}
		for _, r := range cat {
			if r.Framework == "iso27001-2022" && strings.HasPrefix(r.Ref, "A."+theme+".") {
				out = append(out, r.ID)
			}
		}
		return nil
	})
	return out, err
}

// MyAudits lists the audits in progress or reporting whose team p is on, with their progress.
func (s *Service) MyAudits(ctx context.Context, p *bulwark.Principal) ([]*Audit, error) {
	if p.MemberID == "" {
		return nil, nil
	}
	var out []*Audit
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		all, err := listAudits(ctx, tx, p.Org.ID, `AND status IN ('in_progress', 'reporting') AND (lead_id = ? OR id IN (SELECT audit_id FROM audit_team WHERE org_id = ? AND member_id = ?))`,
			p.MemberID, p.Org.ID, p.MemberID)
		out = all
		return err
	})
	return out, err
}

// Readiness is what certification readiness asks of internal audit (9.2).
type Readiness struct {
	// Internal audits closed in the last 12 months, and the clauses of 4–10 none of them covered.
	Completed int
	Uncovered []string
}

// ReadinessOf reads orgID's internal audits closed in the twelve months before today (YYYY-MM-DD).
func ReadinessOf(ctx context.Context, tx *sqlstore.Tx, orgID, today string) (Readiness, error) {
	var r Readiness
	t, err := time.Parse(time.DateOnly, today)
	if err != nil {
		return r, fmt.Errorf("audit readiness: %w", err)
	}
	done, err := listAudits(ctx, tx, orgID, `AND type = 'internal' AND status = 'closed' AND COALESCE(actual_end, actual_start, planned_end, planned_start) >= ?`,
		t.AddDate(-1, 0, 0).Format(time.DateOnly))
	if err != nil {
		return r, err
	}
	cat, err := catalogRequirements(ctx, tx)
	if err != nil {
		return r, err
	}
	covered, _ := Coverage(cat, done)
	r.Completed = len(done)
	for _, c := range LeafClauses(cat) {
		if !slices.Contains(covered, c) {
			r.Uncovered = append(r.Uncovered, c)
		}
	}
	return r, nil
}
