// Package scope is the context of the organisation and the scope of its ISMS
// (clauses 4.1–4.3): the internal and external issues that bear on it, the
// interested parties with their requirements and what answers them, and the
// scope statement — boundaries, interfaces, dependencies and justified
// exclusions — approved in numbered revisions as the Statement of Applicability is.
package scope

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Service is the area's operations: each checks the principal's permission, stays inside its organisation and
// writes its audit entry in the same transaction as the change.
type Service struct{ *app.Service }

// New returns the area's service over the kernel's.
func New(k *app.Service) *Service {
	// The daily outbox tells owners of context issues whose review date has come.
	k.AddDue(app.DueFromQuery("context_issue_review", "/context-issues/%s", `SELECT c.owner_id, c.id, c.ref, c.title, c.review_date
		FROM context_issues c WHERE c.org_id = ? AND c.archived_at IS NULL AND c.owner_id IS NOT NULL AND c.review_date <= ?`))
	return &Service{Service: k}
}

func (s *Service) write(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Write(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

func (s *Service) read(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Read(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

func today(p *bulwark.Principal) string { return bulwark.Today(time.Now(), p.Org.Settings.TimeZone) }

// uniq trims ids, drops empty and repeated ones and sorts them.
func uniq(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// setList copies ids onto *dst when given and different, recording the change.
func setList(ch bulwark.Changes, name string, dst *[]string, ids *[]string) bool {
	if ids == nil {
		return false
	}
	next := uniq(*ids)
	cur := slices.Clone(*dst)
	slices.Sort(cur)
	if slices.Equal(next, cur) {
		return false
	}
	ch[name] = bulwark.Change{Before: cur, After: next}
	*dst = next
	return true
}

func trimmed(s *string) *string {
	if s == nil {
		return nil
	}
	t := clean(*s)
	return &t
}

// blankIsNil turns a given empty optional value into a clearing one.
func blankIsNil(v **string) **string {
	if v != nil && *v != nil && strings.TrimSpace(**v) == "" {
		var none *string
		return &none
	}
	return v
}

// IssueInput is what a person may set on a context issue; nil fields stay as they are.
type IssueInput struct {
	Title, Kind, Category, Description, Effect *string
	OwnerID, ReviewDate                        **string
	RiskIDs                                    *[]string
}

func (in IssueInput) apply(is *Issue) (bulwark.Changes, bool) {
	ch := bulwark.Changes{}
	app.Set(ch, "title", &is.Title, trimmed(in.Title))
	app.Set(ch, "kind", &is.Kind, trimmed(in.Kind))
	app.Set(ch, "category", &is.Category, trimmed(in.Category))
	app.Set(ch, "description", &is.Description, trimmed(in.Description))
	app.Set(ch, "effect", &is.Effect, trimmed(in.Effect))
	app.SetOpt(ch, "owner_id", &is.OwnerID, blankIsNil(in.OwnerID))
	app.SetOpt(ch, "review_date", &is.ReviewDate, blankIsNil(in.ReviewDate))
	links := setList(ch, "risk_ids", &is.RiskIDs, in.RiskIDs)
	return ch, links
}

func checkIssue(ctx context.Context, tx store, orgID string, is, before *Issue) error {
	if err := is.Validate(); err != nil {
		return err
	}
	if before == nil || !app.EqPtr(is.OwnerID, before.OwnerID) {
		if err := app.CheckMember(ctx, tx.Tx, orgID, "owner_id", is.OwnerID); err != nil {
			return err
		}
	}
	return tx.checkIDs(ctx, orgID, "risks", "risk_ids", "a risk", is.RiskIDs)
}

// Issues lists a page of the organisation's context issues in reference order, with the next page's cursor.
func (s *Service) Issues(ctx context.Context, p *bulwark.Principal, f IssueFilter) ([]*Issue, string, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, "", err
	}
	var out []*Issue
	var next string
	err := s.read(ctx, func(tx store) error {
		var err error
		out, next, err = tx.issues(ctx, p.Org.ID, f)
		return err
	})
	day := today(p)
	for _, is := range out {
		is.Mark(day)
	}
	return out, next, err
}

// Issue reads one context issue (by id or ref), archived or not.
func (s *Service) Issue(ctx context.Context, p *bulwark.Principal, id string) (*Issue, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Issue
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.issue(ctx, p.Org.ID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.Mark(today(p))
	return out, nil
}

// CreateIssue records a context issue, owned by whoever records it unless another owner is named.
func (s *Service) CreateIssue(ctx context.Context, p *bulwark.Principal, in IssueInput) (*Issue, error) {
	if err := app.Require(p, bulwark.PermISMSCreate); err != nil {
		return nil, err
	}
	is := &Issue{RiskIDs: []string{}}
	if p.MemberID != "" {
		id := p.MemberID
		is.OwnerID = &id
	}
	ch, _ := in.apply(is)
	err := s.write(ctx, func(tx store) error {
		if err := checkIssue(ctx, tx, p.Org.ID, is, nil); err != nil {
			return err
		}
		ch["kind"] = bulwark.Added(is.Kind)
		if err := tx.insertIssue(ctx, p.Org.ID, is); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "context_issue.create", "context_issue", is.ID, is.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	is.Mark(today(p))
	return is, nil
}

// UpdateIssue changes a context issue, or archives (restores) it: its owner, or anyone who may edit every record.
func (s *Service) UpdateIssue(ctx context.Context, p *bulwark.Principal, id string, in IssueInput, expect *int, archive *bool) (*Issue, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Issue
	err := s.write(ctx, func(tx store) error {
		is, err := tx.issue(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if !app.CanEdit(p, is.OwnerID) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "Only the owner of %s or a manager may change it.", is.Ref)
		}
		if expect != nil && *expect != is.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is at version %d, not %d: reload and try again.", is.Ref, is.Version, *expect)
		}
		before := *is
		ch, links := in.apply(is)
		action := archiveAction(ch, "context_issue", &is.ArchivedAt, archive, tx.Now())
		out = is
		if len(ch) == 0 && action == "context_issue.update" {
			return nil
		}
		if err := checkIssue(ctx, tx, p.Org.ID, is, &before); err != nil {
			return err
		}
		if err := tx.updateIssue(ctx, p.Org.ID, is, links); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), action, entityOf(action), is.ID, is.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	out.Mark(today(p))
	return out, nil
}

// archiveAction sets or clears *at as archive asks and names the audited action.
func archiveAction(ch bulwark.Changes, entity string, at **time.Time, archive *bool, now time.Time) string {
	if archive == nil || *archive == (*at != nil) {
		return entity + ".update"
	}
	if *archive {
		*at = &now
		ch["archived"] = bulwark.Change{Before: false, After: true}
		return entity + ".archive"
	}
	*at = nil
	ch["archived"] = bulwark.Change{Before: true, After: false}
	return entity + ".restore"
}

func entityOf(action string) string { e, _, _ := strings.Cut(action, "."); return e }

// PartyInput is what a person may set on an interested party; nil fields stay as they are.
type PartyInput struct {
	Name, Kind, Description   *string
	OwnerID                   **string
	Requirements              *[]Requirement
	ObligationIDs, ControlIDs *[]string
}

func (in PartyInput) apply(p *Party) (bulwark.Changes, bool) {
	ch := bulwark.Changes{}
	app.Set(ch, "name", &p.Name, trimmed(in.Name))
	if k := trimmed(in.Kind); k != nil && *k != "" {
		app.Set(ch, "kind", &p.Kind, k)
	}
	app.Set(ch, "description", &p.Description, trimmed(in.Description))
	app.SetOpt(ch, "owner_id", &p.OwnerID, blankIsNil(in.OwnerID))
	if in.Requirements != nil {
		rs := NormaliseRequirements(*in.Requirements)
		if !slices.Equal(rs, p.Requirements) {
			ch["requirements"] = bulwark.Change{Before: len(p.Requirements), After: len(rs)}
			p.Requirements = rs
		}
	}
	l1 := setList(ch, "obligation_ids", &p.ObligationIDs, in.ObligationIDs)
	l2 := setList(ch, "control_ids", &p.ControlIDs, in.ControlIDs)
	p.Count()
	return ch, l1 || l2
}

func checkParty(ctx context.Context, tx store, orgID string, p, before *Party) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if before == nil || !app.EqPtr(p.OwnerID, before.OwnerID) {
		if err := app.CheckMember(ctx, tx.Tx, orgID, "owner_id", p.OwnerID); err != nil {
			return err
		}
	}
	if err := tx.checkIDs(ctx, orgID, "obligations", "obligation_ids", "an obligation", p.ObligationIDs); err != nil {
		return err
	}
	return tx.checkIDs(ctx, orgID, "controls", "control_ids", "a control", p.ControlIDs)
}

// Parties lists a page of the organisation's interested parties in reference order, with the next page's cursor.
func (s *Service) Parties(ctx context.Context, p *bulwark.Principal, f PartyFilter) ([]*Party, string, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, "", err
	}
	var out []*Party
	var next string
	err := s.read(ctx, func(tx store) error {
		var err error
		out, next, err = tx.parties(ctx, p.Org.ID, f)
		return err
	})
	return out, next, err
}

// Party reads one interested party (by id or ref), archived or not.
func (s *Service) Party(ctx context.Context, p *bulwark.Principal, id string) (*Party, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Party
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.party(ctx, p.Org.ID, id)
		return err
	})
	return out, err
}

// CreateParty records an interested party, owned by whoever records it unless another owner is named.
func (s *Service) CreateParty(ctx context.Context, p *bulwark.Principal, in PartyInput) (*Party, error) {
	if err := app.Require(p, bulwark.PermISMSCreate); err != nil {
		return nil, err
	}
	party := &Party{Kind: "external", Requirements: []Requirement{}, ObligationIDs: []string{}, ControlIDs: []string{}}
	if p.MemberID != "" {
		id := p.MemberID
		party.OwnerID = &id
	}
	ch, _ := in.apply(party)
	err := s.write(ctx, func(tx store) error {
		if err := checkParty(ctx, tx, p.Org.ID, party, nil); err != nil {
			return err
		}
		if err := tx.insertParty(ctx, p.Org.ID, party); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "interested_party.create", "interested_party", party.ID, party.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	return party, nil
}

// UpdateParty changes an interested party, or archives (restores) it: its owner, or anyone who may edit every
// record.
func (s *Service) UpdateParty(ctx context.Context, p *bulwark.Principal, id string, in PartyInput, expect *int, archive *bool) (*Party, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Party
	err := s.write(ctx, func(tx store) error {
		party, err := tx.party(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if !app.CanEdit(p, party.OwnerID) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "Only the owner of %s or a manager may change it.", party.Ref)
		}
		if expect != nil && *expect != party.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is at version %d, not %d: reload and try again.", party.Ref, party.Version, *expect)
		}
		before := *party
		ch, links := in.apply(party)
		action := archiveAction(ch, "interested_party", &party.ArchivedAt, archive, tx.Now())
		out = party
		if len(ch) == 0 && action == "interested_party.update" {
			return nil
		}
		if err := checkParty(ctx, tx, p.Org.ID, party, &before); err != nil {
			return err
		}
		if err := tx.updateParty(ctx, p.Org.ID, party, links); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), action, entityOf(action), party.ID, party.Ref, ch)
	})
	return out, err
}

// ScopeInput is what a person may set on the scope statement; nil fields stay as they are.
type ScopeInput struct {
	Summary                                 *string
	OrgUnits, Locations, Processes, Systems *[]Boundary
	Interfaces, Dependencies                *[]string
	Exclusions                              *[]Exclusion
}

// Scope returns the live scope statement with its state and its last approval; before anyone writes it, an
// empty draft at version 0.
func (s *Service) Scope(ctx context.Context, p *bulwark.Principal) (*Scope, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Scope
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.scope(ctx, p.Org.ID)
		return err
	})
	return out, err
}

// SaveScope writes the scope statement from in (version expect, when given, must be current). A change to a
// submitted or approved statement makes it a draft again: a submitted one must be submitted again, and an
// approved one keeps its revision until the new draft is approved as the next.
func (s *Service) SaveScope(ctx context.Context, p *bulwark.Principal, in ScopeInput, expect *int) (*Scope, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	var out *Scope
	err := s.write(ctx, func(tx store) error {
		sc, err := tx.scope(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		if expect != nil && *expect != sc.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "The scope is at version %d, not %d: reload and try again.", sc.Version, *expect)
		}
		before := contentOf(sc)
		beforeEx := len(sc.Exclusions)
		ch := bulwark.Changes{}
		app.Set(ch, "summary", &sc.Summary, trimmed(in.Summary))
		for _, l := range []struct {
			name string
			v    *[]Boundary
		}{{"org_units", in.OrgUnits}, {"locations", in.Locations}, {"processes", in.Processes}, {"systems", in.Systems}} {
			if l.v != nil {
				*sc.Boundaries(l.name) = *l.v
			}
		}
		if in.Interfaces != nil {
			sc.Interfaces = *in.Interfaces
		}
		if in.Dependencies != nil {
			sc.Dependencies = *in.Dependencies
		}
		if in.Exclusions != nil {
			sc.Exclusions = *in.Exclusions
		}
		sc.Normalise()
		for _, l := range BoundaryLists {
			bs := *sc.Boundaries(l)
			for i := range bs {
				bs[i].AssetRef = ""
			}
		}
		if err := sc.Validate(); err != nil {
			return err
		}
		if err := tx.assetRefs(ctx, p.Org.ID, sc); err != nil {
			return err
		}
		out = sc
		if contentOf(sc) == before && sc.Version > 0 {
			return nil // nothing changed: the state stays as it is
		}
		for _, l := range append(slices.Clone(BoundaryLists), "interfaces", "dependencies") {
			ch[l] = bulwark.Added(len(listOf(sc, l)))
		}
		ch["exclusions"] = bulwark.Change{Before: beforeEx, After: len(sc.Exclusions)}
		if sc.Status != StatusDraft {
			ch["status"] = bulwark.Change{Before: sc.Status, After: StatusDraft}
		}
		sc.Status, sc.SubmittedBy, sc.SubmittedAt = StatusDraft, nil, nil
		sc.UpdatedBy = memberOf(p)
		if err := tx.saveScope(ctx, p.Org.ID, sc); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "scope.update", "scope", "", "Scope", ch)
	})
	return out, err
}

// listOf is the list called name, as texts (for counting).
func listOf(s *Scope, name string) []any {
	var out []any
	switch name {
	case "interfaces":
		for _, x := range s.Interfaces {
			out = append(out, x)
		}
	case "dependencies":
		for _, x := range s.Dependencies {
			out = append(out, x)
		}
	default:
		for _, b := range *s.Boundaries(name) {
			out = append(out, b)
		}
	}
	return out
}

func memberOf(p *bulwark.Principal) *string {
	if p.MemberID == "" {
		return nil
	}
	id := p.MemberID
	return &id
}

// SubmitScope sends the draft statement for approval. Owners, admins and managers submit; only a draft that
// says something can be submitted.
func (s *Service) SubmitScope(ctx context.Context, p *bulwark.Principal) (*Scope, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	if p.MemberID == "" { // segregation of duties needs to know who submitted it
		return nil, bulwark.Errorf(bulwark.EFORBIDDEN, "Submitting the scope needs a member of the organisation: act with --as EMAIL.")
	}
	var out *Scope
	err := s.write(ctx, func(tx store) error {
		sc, err := tx.scope(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		switch {
		case sc.Status == StatusSubmitted:
			return bulwark.Errorf(bulwark.ECONFLICT, "The scope is already submitted and waits for approval.")
		case sc.Status == StatusApproved:
			return bulwark.Errorf(bulwark.ECONFLICT, "The scope is approved as revision %d and nothing has changed since; change it to start a new draft.", bulwark.Value(sc.Revision))
		case sc.Version == 0 || sc.Empty():
			return bulwark.Invalid("summary", "the scope is empty: write its boundaries before submitting it")
		}
		if err := sc.Validate(); err != nil {
			return err
		}
		now := tx.Now()
		sc.Status, sc.SubmittedBy, sc.SubmittedAt = StatusSubmitted, memberOf(p), &now
		if err := tx.saveScope(ctx, p.Org.ID, sc); err != nil {
			return err
		}
		out = sc
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "scope.submit", "scope", "", "Scope", bulwark.Changes{"status": {Before: StatusDraft, After: StatusSubmitted}})
	})
	return out, err
}

// ApproveScope approves the submitted statement as its next revision (1, 2, 3 …), kept whole with its approver
// and date. Owners and admins approve; where the organisation segregates duties, neither the member who
// submitted it nor the one who last changed it.
func (s *Service) ApproveScope(ctx context.Context, p *bulwark.Principal) (*Scope, error) {
	if err := app.Require(p, bulwark.PermApprove); err != nil {
		return nil, err
	}
	if p.MemberID == "" {
		return nil, bulwark.Errorf(bulwark.EFORBIDDEN, "Approving the scope needs a member of the organisation: act with --as EMAIL.")
	}
	var out *Scope
	err := s.write(ctx, func(tx store) error {
		sc, err := tx.scope(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		if sc.Status != StatusSubmitted {
			return bulwark.Errorf(bulwark.ECONFLICT, "Only a submitted scope can be approved; it is %s. Submit it first.", sc.Status)
		}
		if blocked := SoDBlocked(p, sc); blocked != "" {
			// 409, not 403: the role may approve; who wrote this statement is what stands in the way.
			return bulwark.Errorf(bulwark.ECONFLICT, "Segregation of duties: you %s this scope, so someone else must approve it.", blocked)
		}
		n, err := tx.lastRevision(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		n++
		now := tx.Now()
		sc.Status, sc.Revision, sc.ApprovedBy, sc.ApprovedAt, sc.ApproverName = StatusApproved, &n, memberOf(p), &now, p.User.Name
		if err := tx.insertRevision(ctx, p.Org.ID, n, sc); err != nil {
			return err
		}
		if err := tx.saveScope(ctx, p.Org.ID, sc); err != nil {
			return err
		}
		out = sc
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "scope.approve", "scope", "", "Scope revision "+strconv.Itoa(n), bulwark.Changes{
			"status": {Before: StatusSubmitted, After: StatusApproved}, "revision": bulwark.Added(n), "exclusions": bulwark.Added(len(sc.Exclusions))})
	})
	return out, err
}

// SoDBlocked says why p may not approve sc where the organisation segregates duties ("submitted", "last
// changed"), or "" when nothing stands in the way.
func SoDBlocked(p *bulwark.Principal, sc *Scope) string {
	if !p.Org.Settings.SegregationOfDuties || p.MemberID == "" {
		return ""
	}
	switch {
	case sc.SubmittedBy != nil && *sc.SubmittedBy == p.MemberID:
		return "submitted"
	case sc.UpdatedBy != nil && *sc.UpdatedBy == p.MemberID:
		return "last changed"
	}
	return ""
}

// Revisions lists the scope's approved revisions, newest first.
func (s *Service) Revisions(ctx context.Context, p *bulwark.Principal) ([]Revision, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []Revision
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.revisions(ctx, p.Org.ID)
		return err
	})
	return out, err
}

// Revision returns approved revision n as it was approved.
func (s *Service) Revision(ctx context.Context, p *bulwark.Principal, n int) (*Scope, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Scope
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.revision(ctx, p.Org.ID, n)
		return err
	})
	return out, err
}

// Linkable are the registers whose rows the area's forms name by reference.
var Linkable = map[string]string{"risks": "risks", "controls": "controls", "obligations": "obligations", "assets": "assets"}

// Refs returns the references of the rows of register (risks, controls, obligations or assets) among ids, by id.
func (s *Service) Refs(ctx context.Context, p *bulwark.Principal, register string, ids []string) (map[string]string, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	table, ok := Linkable[register]
	if !ok {
		return nil, bulwark.Errorf(bulwark.EINVALID, "Unknown register %s.", register)
	}
	var out map[string]string
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.refs(ctx, p.Org.ID, table, ids)
		return err
	})
	return out, err
}

// IDsOf resolves references typed into a form (R-001, A.5.31) to the ids of register's rows; an unknown
// reference is a 422 naming fieldName.
func (s *Service) IDsOf(ctx context.Context, p *bulwark.Principal, register, fieldName string, refs []string) ([]string, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	table, ok := Linkable[register]
	if !ok {
		return nil, bulwark.Errorf(bulwark.EINVALID, "Unknown register %s.", register)
	}
	var out []string
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.idsOf(ctx, p.Org.ID, table, fieldName, refs)
		return err
	})
	return out, err
}
