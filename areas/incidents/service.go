// Package incidents is incident management (A.5.24–5.28, A.6.8): every member
// reports security events and weaknesses; handlers triage, contain, eradicate and
// recover, on an append-only timeline; a personal-data breach starts the
// regulatory clocks of the regimes the organisation is subject to (GDPR, HIPAA),
// each counting down to its deadline until the notification is recorded.
package incidents

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/areas/evidence"
	"github.com/bulwark-isms/bulwark/areas/obligations"
	"github.com/bulwark-isms/bulwark/areas/risks"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// RefPrefix starts incident references (INC-001).
const RefPrefix = "INC"

// Service is the incident register's operations: each checks the principal's
// permission, stays inside its organisation and writes its audit entry.
type Service struct {
	*app.Service
	risks *risks.Service
}

// New returns the incident area's service; risks creates risks raised from an incident.
func New(k *app.Service, r *risks.Service) *Service { return &Service{Service: k, risks: r} }

func loc(p *bulwark.Principal) *time.Location { return bulwark.Location(p.Org.Settings.TimeZone) }

// mark derives every clock's state at now in the organisation's zone.
func mark(p *bulwark.Principal, now time.Time, is ...*Incident) {
	l := loc(p)
	for _, i := range is {
		for _, c := range i.Clocks {
			c.Mark(now, l)
		}
	}
}

func memberOf(p *bulwark.Principal) *string {
	if p.MemberID == "" {
		return nil
	}
	id := p.MemberID
	return &id
}

// ReportIncident stores what a member reports, as an incident in status reported.
func (s *Service) ReportIncident(ctx context.Context, p *bulwark.Principal, r Report) (*Incident, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	if err := r.Validate(time.Now()); err != nil {
		return nil, err
	}
	var out *Incident
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		i := &Incident{Title: r.Title, Description: r.Description, Status: StatusReported, DiscoveredAt: r.DiscoveredAt, ReportedBy: memberOf(p)}
		if i.DiscoveredAt == nil {
			now := tx.Now()
			i.DiscoveredAt = &now
		}
		if err := insert(ctx, tx, p.Org.ID, i); err != nil {
			return err
		}
		out = i
		if err := addEntry(ctx, tx, p.Org.ID, i.ID, i.ReportedBy, "status", "Reported."); err != nil {
			return err
		}
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "incident.report", "incident", i.ID, i.Ref, bulwark.Changes{"title": bulwark.Added(i.Title), "status": bulwark.Added(StatusReported)})
	})
	return out, err
}

// MyReports lists what the member reported, newest first.
func (s *Service) MyReports(ctx context.Context, p *bulwark.Principal) ([]*Incident, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	if p.MemberID == "" {
		return []*Incident{}, nil
	}
	var out []*Incident
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = list(ctx, tx, p.Org.ID, Filter{ReportedBy: p.MemberID, Limit: 50})
		return err
	})
	return out, err
}

// Incidents lists the incident register, newest first.
func (s *Service) Incidents(ctx context.Context, p *bulwark.Principal, f Filter) ([]*Incident, error) {
	out, _, err := s.IncidentsPage(ctx, p, f)
	return out, err
}

// IncidentsPage lists one page of the register, newest first, and the cursor of the next ("" on the last).
func (s *Service) IncidentsPage(ctx context.Context, p *bulwark.Principal, f Filter) ([]*Incident, string, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, "", err
	}
	var out []*Incident
	var next string
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, next, err = page(ctx, tx, p.Org.ID, f)
		return err
	})
	mark(p, time.Now(), out...)
	return out, next, err
}

// Incident returns one incident (by id or ref) with its links and clocks.
func (s *Service) Incident(ctx context.Context, p *bulwark.Principal, id string) (*Incident, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Incident
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = get(ctx, tx, p.Org.ID, id, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	mark(p, time.Now(), out)
	return out, nil
}

// Timeline returns an incident's timeline, oldest first.
func (s *Service) Timeline(ctx context.Context, p *bulwark.Principal, id string) ([]Entry, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []Entry
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		i, err := get(ctx, tx, p.Org.ID, id, false)
		if err != nil {
			return err
		}
		out, err = timeline(ctx, tx, p.Org.ID, i.ID)
		return err
	})
	return out, err
}

// Levels returns the organisation's severity scale.
func (s *Service) Levels(ctx context.Context, p *bulwark.Principal) ([]Level, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []Level
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = levelsOf(ctx, tx, p.Org.ID)
		return err
	})
	return out, err
}

// SetLevels replaces the severity scale (lowest first). A level that incidents use stays.
func (s *Service) SetLevels(ctx context.Context, p *bulwark.Principal, levels []Level) ([]Level, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	for k := range levels {
		levels[k].Key = strings.ToLower(strings.TrimSpace(levels[k].Key))
		levels[k].Label = strings.TrimSpace(levels[k].Label)
		levels[k].Rank = k + 1
	}
	if err := ValidateLevels(levels); err != nil {
		return nil, err
	}
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		before, err := levelsOf(ctx, tx, p.Org.ID)
		if err != nil {
			return err
		}
		keys := []string{}
		for _, l := range levels {
			keys = append(keys, l.Key)
		}
		cond, arg := tx.InList("severity", keys)
		var used string
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MIN(severity), '') FROM incidents WHERE org_id = ? AND severity <> '' AND NOT `+cond, p.Org.ID, arg).Scan(&used); err != nil {
			return fmt.Errorf("check levels in use: %w", err)
		}
		if used != "" {
			return bulwark.Invalid("levels", "incidents are rated "+used+": keep that level, or change their severity first")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM incident_levels WHERE org_id = ?`, p.Org.ID); err != nil {
			return fmt.Errorf("replace levels: %w", err)
		}
		for _, l := range levels {
			if _, err := tx.Exec(ctx, `INSERT INTO incident_levels (org_id, key, label, rank, requires_lessons) VALUES (?, ?, ?, ?, ?)`, p.Org.ID, l.Key, l.Label, l.Rank, l.RequiresLessons); err != nil {
				return fmt.Errorf("store level: %w", err)
			}
		}
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "incident.levels", "organisation", p.Org.ID, p.Org.Slug, bulwark.Changes{"levels": {Before: before, After: levels}})
	})
	if err != nil {
		return nil, err
	}
	return levels, nil
}

// Input is what a person may set on an incident; nil fields stay as they are.
type Input struct {
	Title, Description, Category, Severity, LessonsLearned *string
	DiscoveredAt, BecameAwareAt                            **time.Time
	HandlerID                                              **string
	AssetIDs, RiskIDs, EvidenceIDs                         *[]string
}

func (in Input) apply(i *Incident) bulwark.Changes {
	ch := bulwark.Changes{}
	trim := func(name string, dst *string, v *string) {
		if v != nil {
			t := strings.TrimSpace(strings.ReplaceAll(*v, "\r\n", "\n"))
			app.Set(ch, name, dst, &t)
		}
	}
	trim("title", &i.Title, in.Title)
	trim("description", &i.Description, in.Description)
	trim("category", &i.Category, in.Category)
	if in.Severity != nil {
		low := strings.ToLower(*in.Severity)
		trim("severity", &i.Severity, &low)
	}
	trim("lessons_learned", &i.LessonsLearned, in.LessonsLearned)
	app.SetOpt(ch, "handler_id", &i.HandlerID, in.HandlerID)
	for _, t := range []struct {
		name string
		dst  **time.Time
		v    **time.Time
	}{{"discovered_at", &i.DiscoveredAt, in.DiscoveredAt}, {"became_aware_at", &i.BecameAwareAt, in.BecameAwareAt}} {
		if t.v == nil {
			continue
		}
		nv := utc(*t.v)
		if (nv == nil) != (*t.dst == nil) || (nv != nil && !nv.Equal(**t.dst)) {
			ch[t.name] = bulwark.Change{Before: *t.dst, After: nv}
			*t.dst = nv
		}
	}
	for _, l := range []struct {
		name string
		dst  *[]string
		v    *[]string
	}{{"asset_ids", &i.AssetIDs, in.AssetIDs}, {"risk_ids", &i.RiskIDs, in.RiskIDs}, {"evidence_ids", &i.EvidenceIDs, in.EvidenceIDs}} {
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

// check validates i and that what it names is the organisation's.
func check(ctx context.Context, tx *sqlstore.Tx, orgID string, i, before *Incident, now time.Time) error {
	levels, err := levelsOf(ctx, tx, orgID)
	if err != nil {
		return err
	}
	if err := i.Validate(levels, now); err != nil {
		return err
	}
	if before == nil || !app.EqPtr(i.HandlerID, before.HandlerID) {
		if err := app.CheckMember(ctx, tx, orgID, "handler_id", i.HandlerID); err != nil {
			return err
		}
	}
	for _, l := range []struct {
		name, table string
		ids         []string
	}{{"asset_ids", "assets", i.AssetIDs}, {"risk_ids", "risks", i.RiskIDs}, {"evidence_ids", "evidence", i.EvidenceIDs}} {
		if len(l.ids) == 0 {
			continue
		}
		if len(l.ids) > 200 {
			return bulwark.Invalid(l.name, "holds at most 200 items")
		}
		cond, arg := tx.InList("id", l.ids)
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+l.table+` WHERE org_id = ? AND `+cond, orgID, arg).Scan(&n); err != nil {
			return fmt.Errorf("check %s: %w", l.table, err)
		}
		if n != len(l.ids) {
			return bulwark.Invalid(l.name, "names items that are not this organisation's "+l.table)
		}
	}
	return nil
}

// Create records an incident directly (contributors and above), reported by its creator
// and handled by them unless another handler is named.
func (s *Service) Create(ctx context.Context, p *bulwark.Principal, in Input) (*Incident, error) {
	if err := app.Require(p, bulwark.PermISMSCreateOwn); err != nil {
		return nil, err
	}
	i := &Incident{Status: StatusReported, ReportedBy: memberOf(p), HandlerID: memberOf(p), AssetIDs: []string{}, RiskIDs: []string{}, EvidenceIDs: []string{}, BreachRegimes: []string{}, Clocks: []*Clock{}}
	ch := in.apply(i)
	var out *Incident
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		if i.DiscoveredAt == nil {
			now := tx.Now()
			i.DiscoveredAt = &now
		}
		if err := check(ctx, tx, p.Org.ID, i, nil, tx.Now()); err != nil {
			return err
		}
		if i.Severity != "" {
			i.Status = StatusTriaged
		}
		if err := insert(ctx, tx, p.Org.ID, i); err != nil {
			return err
		}
		ch["status"] = bulwark.Added(i.Status)
		if err := addEntry(ctx, tx, p.Org.ID, i.ID, memberOf(p), "status", "Recorded as "+strings.ReplaceAll(i.Status, "_", " ")+"."); err != nil {
			return err
		}
		out = i
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "incident.create", "incident", i.ID, i.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// change reads incident id for p to change: its handler, or anyone who may edit every record.
func change(ctx context.Context, tx *sqlstore.Tx, p *bulwark.Principal, id string, expect *int) (*Incident, error) {
	i, err := get(ctx, tx, p.Org.ID, id, true)
	if err != nil {
		return nil, err
	}
	if !app.CanEdit(p, i.HandlerID) {
		return nil, bulwark.Errorf(bulwark.EFORBIDDEN, "Only the handler of %s or a manager may change it.", i.Ref)
	}
	if expect != nil && *expect != i.Version {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "%s is at version %d, not %d: reload and try again.", i.Ref, i.Version, *expect)
	}
	return i, nil
}

// Update changes an incident's record. Changing when it was discovered or when the
// organisation became aware moves the deadlines of clocks not yet settled.
func (s *Service) Update(ctx context.Context, p *bulwark.Principal, id string, in Input, expect *int) (*Incident, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Incident
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		i, err := change(ctx, tx, p, id, expect)
		if err != nil {
			return err
		}
		before := *i
		ch := in.apply(i)
		if len(ch) == 0 {
			out = i
			return nil
		}
		if err := check(ctx, tx, p.Org.ID, i, &before, tx.Now()); err != nil {
			return err
		}
		if i.Status == StatusClosed {
			levels, err := levelsOf(ctx, tx, p.Org.ID)
			if err != nil {
				return err
			}
			if m := MissingToClose(i, levels); len(m) > 0 {
				return bulwark.Invalid("lessons_learned", i.Ref+" is closed: it keeps "+strings.Join(m, "; "))
			}
		}
		_, disc := ch["discovered_at"]
		_, aware := ch["became_aware_at"]
		if i.PersonalDataBreach && (disc || aware) {
			if err := saveClocks(ctx, tx, p.Org.ID, i, Clocks(breachOf(i), loc(p))); err != nil {
				return err
			}
		}
		if err := update(ctx, tx, p.Org.ID, i, &before); err != nil {
			return err
		}
		if _, ok := ch["handler_id"]; ok {
			if err := addEntry(ctx, tx, p.Org.ID, i.ID, memberOf(p), "assignment", "Handler changed."); err != nil {
				return err
			}
		}
		out = i
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "incident.update", "incident", i.ID, i.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	mark(p, time.Now(), out)
	return out, nil
}

func breachOf(i *Incident) Breach {
	b := Breach{Regimes: i.BreachRegimes, IndividualsAffected: i.IndividualsAffected, MostInOneState: i.MostInOneState, BusinessAssociate: i.BusinessAssociate}
	if i.DiscoveredAt != nil {
		b.DiscoveredAt = *i.DiscoveredAt
	}
	b.BecameAwareAt = b.DiscoveredAt
	if i.BecameAwareAt != nil {
		b.BecameAwareAt = *i.BecameAwareAt
	}
	return b
}

// SetStatus moves an incident (see CanMove), writing the move on its timeline.
func (s *Service) SetStatus(ctx context.Context, p *bulwark.Principal, id, to, reason string, expect *int) (*Incident, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var out *Incident
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		i, err := change(ctx, tx, p, id, expect)
		if err != nil {
			return err
		}
		levels, err := levelsOf(ctx, tx, p.Org.ID)
		if err != nil {
			return err
		}
		mark(p, tx.Now(), i)
		if err := CanMove(i, to, reason, levels); err != nil {
			return err
		}
		ch := bulwark.Changes{"status": {Before: i.Status, After: to}}
		action, text := "incident.status", "Moved from "+strings.ReplaceAll(i.Status, "_", " ")+" to "+strings.ReplaceAll(to, "_", " ")+"."
		if i.Status == StatusClosed || i.Status == StatusNotAnIncident {
			action, text = "incident.reopen", "Reopened ("+strings.ReplaceAll(to, "_", " ")+"): "+reason
			ch["reason"] = bulwark.Added(reason)
			i.ClosedAt, i.NotIncidentReason = nil, ""
		}
		switch to {
		case StatusClosed:
			now := tx.Now()
			i.ClosedAt, action = &now, "incident.close"
		case StatusNotAnIncident:
			i.NotIncidentReason, text = reason, "Not an incident: "+reason
			ch["not_incident_reason"] = bulwark.Added(reason)
		}
		i.Status = to
		if err := update(ctx, tx, p.Org.ID, i, i); err != nil {
			return err
		}
		if err := addEntry(ctx, tx, p.Org.ID, i.ID, memberOf(p), "status", text); err != nil {
			return err
		}
		out = i
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), action, "incident", i.ID, i.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	mark(p, time.Now(), out)
	return out, nil
}

// AddEntry writes a note on an incident's timeline.
func (s *Service) AddEntry(ctx context.Context, p *bulwark.Principal, id, text string) (*Entry, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if text == "" || len([]rune(text)) > 10000 {
		return nil, bulwark.Invalid("text", "is required: what was seen or done (at most 10,000 characters)")
	}
	var out *Entry
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		i, err := change(ctx, tx, p, id, nil)
		if err != nil {
			return err
		}
		if err := addEntry(ctx, tx, p.Org.ID, i.ID, memberOf(p), "note", text); err != nil {
			return err
		}
		out = &Entry{At: tx.Now().UTC(), MemberID: memberOf(p), Kind: "note", Text: text}
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "incident.note", "incident", i.ID, i.Ref, bulwark.Changes{"note": bulwark.Added(text)})
	})
	return out, err
}

// BreachMark says whether an incident is a personal-data breach, and what decides its clocks.
type BreachMark struct {
	PersonalDataBreach  bool
	Regimes             *[]string // nil: the regimes of the organisation's obligations register
	IndividualsAffected *int
	MostInOneState      *int
	BusinessAssociate   *bool
	Reason              string // why the mark is cleared
}

// MarkBreach marks an incident a personal-data breach and starts (or moves) the clocks of
// each regime that applies, or clears the mark (with a reason), removing clocks on which
// nothing was recorded.
func (s *Service) MarkBreach(ctx context.Context, p *bulwark.Principal, id string, m BreachMark) (*Incident, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Incident
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		i, err := change(ctx, tx, p, id, nil)
		if err != nil {
			return err
		}
		if i.Status == StatusClosed || i.Status == StatusNotAnIncident {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is %s: reopen it first.", i.Ref, strings.ReplaceAll(i.Status, "_", " "))
		}
		before := *i
		if !m.PersonalDataBreach {
			if !i.PersonalDataBreach {
				out = i
				return nil
			}
			if strings.TrimSpace(m.Reason) == "" {
				return bulwark.Invalid("reason", "say why this is not a personal-data breach after all")
			}
			i.PersonalDataBreach, i.BreachRegimes = false, []string{}
			if err := saveClocks(ctx, tx, p.Org.ID, i, nil); err != nil {
				return err
			}
			if err := update(ctx, tx, p.Org.ID, i, &before); err != nil {
				return err
			}
			if err := addEntry(ctx, tx, p.Org.ID, i.ID, memberOf(p), "breach", "No longer treated as a personal-data breach: "+strings.TrimSpace(m.Reason)); err != nil {
				return err
			}
			out = i
			return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "incident.breach", "incident", i.ID, i.Ref, bulwark.Changes{"personal_data_breach": {Before: true, After: false}, "reason": bulwark.Added(m.Reason)})
		}
		regimes := []string{}
		if m.Regimes != nil {
			for _, r := range *m.Regimes {
				r = strings.ToLower(strings.TrimSpace(r))
				if !slices.Contains(Regimes, r) {
					return bulwark.Invalid("regimes", "are gdpr, hipaa")
				}
				if !slices.Contains(regimes, r) {
					regimes = append(regimes, r)
				}
			}
		} else {
			have, err := obligations.Regimes(ctx, tx, p.Org.ID)
			if err != nil {
				return err
			}
			for _, r := range have {
				if slices.Contains(Regimes, r) {
					regimes = append(regimes, r)
				}
			}
		}
		if len(regimes) == 0 {
			return bulwark.Invalid("regimes", "name the regimes that apply (gdpr, hipaa): the obligations register adopts none")
		}
		slices.Sort(regimes)
		i.PersonalDataBreach, i.BreachRegimes = true, regimes
		if m.IndividualsAffected != nil {
			i.IndividualsAffected = *m.IndividualsAffected
		}
		if m.MostInOneState != nil {
			i.MostInOneState = *m.MostInOneState
		}
		if m.BusinessAssociate != nil {
			i.BusinessAssociate = *m.BusinessAssociate
		}
		if i.BecameAwareAt == nil {
			// The earliest moment the organisation can have known: a clock never starts late.
			i.BecameAwareAt = i.DiscoveredAt
		}
		if err := check(ctx, tx, p.Org.ID, i, &before, tx.Now()); err != nil {
			return err
		}
		if err := saveClocks(ctx, tx, p.Org.ID, i, Clocks(breachOf(i), loc(p))); err != nil {
			return err
		}
		if err := update(ctx, tx, p.Org.ID, i, &before); err != nil {
			return err
		}
		l := loc(p)
		parts := []string{}
		for _, c := range i.Clocks {
			c.Mark(tx.Now(), l)
			if c.DueLocal != "" {
				parts = append(parts, c.Label+" by "+c.DueLocal)
			} else {
				parts = append(parts, c.Label)
			}
		}
		if err := addEntry(ctx, tx, p.Org.ID, i.ID, memberOf(p), "breach", "Personal-data breach ("+strings.ToUpper(strings.Join(regimes, ", "))+"): "+strings.Join(parts, "; ")+"."); err != nil {
			return err
		}
		out = i
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "incident.breach", "incident", i.ID, i.Ref, bulwark.Changes{
			"personal_data_breach": {Before: before.PersonalDataBreach, After: true}, "breach_regimes": {Before: before.BreachRegimes, After: regimes},
			"individuals_affected": {Before: before.IndividualsAffected, After: i.IndividualsAffected}, "most_in_one_state": {Before: before.MostInOneState, After: i.MostInOneState},
			"business_associate": {Before: before.BusinessAssociate, After: i.BusinessAssociate}})
	})
	if err != nil {
		return nil, err
	}
	mark(p, time.Now(), out)
	return out, nil
}

// ClockUpdate is what is recorded on a clock; nil fields stay as they are.
type ClockUpdate struct {
	NotifiedAt        **time.Time
	NotifiedTo        *string
	Reference         *string
	LateReason        *string
	HighRisk          **bool
	DecisionReason    *string
	NotRequiredReason *string
}

// UpdateClock records a notification (which stops the clock; after the deadline only with
// the reason), the Art. 34 decision with its reasoning, or why a notice is not required.
func (s *Service) UpdateClock(ctx context.Context, p *bulwark.Principal, id, clockID string, u ClockUpdate) (*Incident, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Incident
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		i, err := change(ctx, tx, p, id, nil)
		if err != nil {
			return err
		}
		var c *Clock
		for _, k := range i.Clocks {
			if k.ID == clockID || k.Kind == clockID {
				c = k
			}
		}
		if c == nil {
			return bulwark.Errorf(bulwark.ENOTFOUND, "Clock not found.")
		}
		before := *c
		ch := bulwark.Changes{}
		set := func(name string, dst *string, v *string) {
			if v != nil {
				t := strings.TrimSpace(*v)
				app.Set(ch, name, dst, &t)
			}
		}
		set("notified_to", &c.NotifiedTo, u.NotifiedTo)
		set("reference", &c.Reference, u.Reference)
		set("late_reason", &c.LateReason, u.LateReason)
		set("decision_reason", &c.DecisionReason, u.DecisionReason)
		set("not_required_reason", &c.NotRequiredReason, u.NotRequiredReason)
		if u.NotifiedAt != nil {
			c.NotifiedAt = utc(*u.NotifiedAt)
			ch["notified_at"] = bulwark.Change{Before: before.NotifiedAt, After: c.NotifiedAt}
		}
		if u.HighRisk != nil {
			if c.Kind != ClockGDPRIndividuals {
				return bulwark.Invalid("high_risk", "is the Art. 34 decision: it belongs to the gdpr_individuals clock")
			}
			c.HighRisk = *u.HighRisk
			ch["high_risk"] = bulwark.Change{Before: before.HighRisk, After: c.HighRisk}
		}
		var v bulwark.Validation
		for name, s := range map[string]string{"notified_to": c.NotifiedTo, "reference": c.Reference, "late_reason": c.LateReason, "decision_reason": c.DecisionReason, "not_required_reason": c.NotRequiredReason} {
			if len([]rune(s)) > 2000 {
				v.Add(name, "must be at most 2,000 characters")
			}
		}
		if c.NotifiedAt != nil {
			if c.NotifiedAt.After(tx.Now().Add(5 * time.Minute)) {
				v.Add("notified_at", "cannot be in the future")
			}
			if c.NotifiedAt.Before(c.StartsAt) {
				v.Add("notified_at", "cannot be before the clock started")
			}
			if c.NotifiedTo == "" {
				v.Add("notified_to", "say whom you notified")
			}
			if c.DueAt != nil && c.NotifiedAt.After(*c.DueAt) && c.LateReason == "" {
				v.Add("late_reason", "the deadline was "+c.DueAt.In(loc(p)).Format("2006-01-02 15:04 MST")+": record why the notification was late")
			}
		}
		if u.HighRisk != nil && c.DecisionReason == "" {
			v.Add("decision_reason", "record the reasoning behind the Art. 34 decision")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if len(ch) == 0 {
			out = i
			return nil
		}
		if err := saveClock(ctx, tx, p.Org.ID, c); err != nil {
			return err
		}
		text := c.Label + ": "
		switch {
		case u.NotifiedAt != nil && c.NotifiedAt != nil:
			text += "notified " + c.NotifiedTo + " at " + c.NotifiedAt.In(loc(p)).Format("2006-01-02 15:04 MST")
			if c.Reference != "" {
				text += " (ref. " + c.Reference + ")"
			}
			if c.LateReason != "" {
				text += "; late because " + c.LateReason
			}
		case u.HighRisk != nil && c.HighRisk != nil && *c.HighRisk:
			text += "high risk to the people concerned: tell them without undue delay. " + c.DecisionReason
		case u.HighRisk != nil && c.HighRisk != nil:
			text += "no high risk to the people concerned: no notice required. " + c.DecisionReason
		case c.NotRequiredReason != "":
			text += "not required: " + c.NotRequiredReason
		default:
			text += "updated"
		}
		i.Version++
		if _, err := tx.Exec(ctx, `UPDATE incidents SET version = ?, updated_at = ? WHERE org_id = ? AND id = ?`, i.Version, tx.Now(), p.Org.ID, i.ID); err != nil {
			return fmt.Errorf("update incident: %w", err)
		}
		if err := addEntry(ctx, tx, p.Org.ID, i.ID, memberOf(p), "notification", text); err != nil {
			return err
		}
		out = i
		ch["clock"] = bulwark.Added(c.Kind)
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "incident.clock", "incident", i.ID, i.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	mark(p, time.Now(), out)
	return out, nil
}

// RaiseRisk creates a risk in the register from an incident and links it.
func (s *Service) RaiseRisk(ctx context.Context, p *bulwark.Principal, id string) (*Incident, error) {
	i, err := s.Incident(ctx, p, id)
	if err != nil {
		return nil, err
	}
	title := "Recurrence of " + i.Ref + ": " + i.Title
	if r := []rune(title); len(r) > 200 {
		title = string(r[:200])
	}
	desc := "Raised from incident " + i.Ref + ". " + i.Description
	r, err := s.risks.CreateRisk(ctx, p, risks.RiskInput{Title: &title, Description: &desc})
	if err != nil {
		return nil, err
	}
	ids := append(slices.Clone(i.RiskIDs), r.ID)
	return s.Update(ctx, p, i.ID, Input{RiskIDs: &ids}, nil)
}

// ClockDue is a running clock with its incident, for the dashboard and my tasks.
type ClockDue struct {
	Incident *Incident
	Clock    *Clock
}

// Urgent lists the clocks that still need someone, soonest first: of the incidents handled
// by handlerID, or of every incident when handlerID is empty.
func (s *Service) Urgent(ctx context.Context, p *bulwark.Principal, handlerID string) ([]ClockDue, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	// The clocks waiting and their incidents are kept until the organisation changes (the dashboard and My
	// tasks both show them on every visit); how long is left is worked out now.
	pending, err := app.Snapshot(ctx, s.Service, p, "pending-clocks:"+handlerID, func(ctx context.Context) ([]ClockDue, error) {
		return s.pendingClocks(ctx, p, handlerID)
	})
	var out []ClockDue
	l, now := loc(p), time.Now()
	for _, c := range pending {
		k := *c.Clock
		k.Mark(now, l)
		if k.Urgent() {
			out = append(out, ClockDue{Incident: c.Incident, Clock: &k})
		}
	}
	slices.SortStableFunc(out, func(a, b ClockDue) int {
		switch {
		case a.Clock.DueAt == nil && b.Clock.DueAt == nil:
			return 0
		case a.Clock.DueAt == nil:
			return 1
		case b.Clock.DueAt == nil:
			return -1
		}
		return a.Clock.DueAt.Compare(*b.Clock.DueAt)
	})
	return out, err
}

// pendingClocks reads the clocks of open breaches not yet notified nor found not required, with their
// incidents (those handlerID handles; every one when empty), without working out how long is left.
func (s *Service) pendingClocks(ctx context.Context, p *bulwark.Principal, handlerID string) ([]ClockDue, error) {
	var out []ClockDue
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		cond := `incident_id IN (SELECT id FROM incidents WHERE org_id = ? AND personal_data_breach AND status NOT IN ('closed', 'not_an_incident')`
		args := []any{p.Org.ID}
		if handlerID != "" {
			cond += ` AND handler_id = ?`
			args = append(args, handlerID)
		}
		cs, err := clocksOf(ctx, tx, p.Org.ID, cond+`) AND notified_at IS NULL AND not_required_reason = ''`, args...)
		if err != nil || len(cs) == 0 {
			return err
		}
		ids := []string{}
		for _, c := range cs {
			if !slices.Contains(ids, c.incidentID) {
				ids = append(ids, c.incidentID)
			}
		}
		in, arg := tx.InList("id", ids)
		rows, err := tx.Query(ctx, `SELECT `+columns+` FROM incidents WHERE org_id = ? AND `+in, p.Org.ID, arg)
		if err != nil {
			return fmt.Errorf("incidents of clocks: %w", err)
		}
		byID := map[string]*Incident{}
		for rows.Next() {
			i, err := scan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			byID[i.ID] = i
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range cs {
			i := byID[c.incidentID]
			c.Label = ClockLabel(c.Kind, i.IndividualsAffected)
			k := c.Clock
			out = append(out, ClockDue{Incident: i, Clock: &k})
		}
		return nil
	})
	return out, err
}

// Counts are the register's figures for the dashboard and readiness.
type Counts struct {
	Total, Open, Breaches, ClosedHigh, ClosedHighWithLessons int
	BySeverity                                               map[string]int
}

// CountsOf reads the register's figures in one grouped pass.
func CountsOf(ctx context.Context, tx *sqlstore.Tx, orgID string) (Counts, error) {
	c := Counts{BySeverity: map[string]int{}}
	levels, err := levelsOf(ctx, tx, orgID)
	if err != nil {
		return c, err
	}
	rows, err := tx.Query(ctx, `SELECT status, severity, personal_data_breach, lessons_learned <> '', COUNT(*) FROM incidents WHERE org_id = ? GROUP BY status, severity, personal_data_breach, lessons_learned <> ''`, orgID)
	if err != nil {
		return c, fmt.Errorf("incident counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var status, severity string
		var breach, lessons bool
		var n int
		if err := rows.Scan(&status, &severity, &breach, &lessons, &n); err != nil {
			return c, fmt.Errorf("scan incident counts: %w", err)
		}
		if status != StatusNotAnIncident {
			c.Total += n
		}
		open := status != StatusClosed && status != StatusNotAnIncident
		if open {
			c.Open += n
			c.BySeverity[severity] += n
			if breach {
				c.Breaches += n
			}
		}
		if l, ok := LevelOf(levels, severity); ok && l.RequiresLessons && status == StatusClosed {
			c.ClosedHigh += n
			if lessons {
				c.ClosedHighWithLessons += n
			}
		}
	}
	return c, rows.Err()
}

// ReportedSince counts the incidents recorded on or after day (YYYY-MM-DD), for the management review.
func (s *Service) ReportedSince(ctx context.Context, p *bulwark.Principal, day string) (int, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return 0, err
	}
	from, err := time.ParseInLocation(time.DateOnly, day, loc(p))
	if err != nil {
		return 0, bulwark.Invalid("since", "must be a date such as 2026-01-31")
	}
	var n int
	err = s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM incidents WHERE org_id = ? AND created_at >= ?`, p.Org.ID, from.UTC()).Scan(&n)
	})
	return n, err
}

// Counts reads the register's figures.
func (s *Service) Counts(ctx context.Context, p *bulwark.Principal) (Counts, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return Counts{}, err
	}
	return app.Snapshot(ctx, s.Service, p, "incident-counts", func(ctx context.Context) (Counts, error) {
		var c Counts
		err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
			var err error
			c, err = CountsOf(ctx, tx, p.Org.ID)
			return err
		})
		return c, err
	})
}

// smallRegister is the size up to which a picker lists every asset; above it, people search.
const smallRegister = 300

// assetChoices reads the chosen assets, and every asset while the register is small.
func (s *Service) assetChoices(ctx context.Context, p *bulwark.Principal, chosen []string) (picked, all []*assets.Asset, err error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, nil, err
	}
	err = s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		if picked, err = assets.ByIDs(ctx, tx, p.Org.ID, chosen); err != nil {
			return err
		}
		n, err := assets.CountAll(ctx, tx, p.Org.ID)
		if err != nil || n > smallRegister {
			return err
		}
		byRef, err := assets.ByRef(ctx, tx, p.Org.ID)
		if err != nil {
			return err
		}
		isPicked := map[string]bool{}
		for _, a := range picked {
			isPicked[a.ID] = true
		}
		for _, a := range byRef {
			if a.ArchivedAt == nil && !isPicked[a.ID] {
				all = append(all, a)
			}
		}
		slices.SortFunc(all, func(a, b *assets.Asset) int { return strings.Compare(a.Ref, b.Ref) })
		return nil
	})
	return picked, all, err
}

// preservedEvidence reads the evidence items an incident links to (A.5.28), for its page.
func (s *Service) preservedEvidence(ctx context.Context, p *bulwark.Principal, ids []string) ([]*evidence.Evidence, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*evidence.Evidence
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = evidence.ByIDs(ctx, tx, p.Org.ID, ids)
		return err
	})
	return out, err
}
