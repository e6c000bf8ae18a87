package risks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/areas/controls"
)

// Methodology returns version v of the risk methodology (0: the current one).
func (s *Service) Methodology(ctx context.Context, p *bulwark.Principal, v int) (*Methodology, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var m *Methodology
	err := s.view(ctx, func(tx store) error {
		var err error
		m, err = tx.Methodology(ctx, p.Org.ID, v)
		return err
	})
	return m, err
}

// Methodologies lists every version, newest first.
func (s *Service) Methodologies(ctx context.Context, p *bulwark.Principal) ([]*Methodology, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Methodology
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.Methodologies(ctx, p.Org.ID)
		return err
	})
	return out, err
}

// SaveMethodology validates m and stores it as the draft of the next version; it
// applies once an owner or admin approves it.
func (s *Service) SaveMethodology(ctx context.Context, p *bulwark.Principal, m *Methodology) (*Methodology, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	err := s.write(ctx, func(tx store) error {
		if err := tx.SaveDraftMethodology(ctx, p.Org.ID, m, p.ActorID); err != nil {
			return err
		}
		body, _ := json.Marshal(m)
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "risk_methodology.draft", "risk_methodology", "", "v"+itoa(m.Version), bulwark.Changes{"methodology": bulwark.Added(json.RawMessage(body))})
	})
	return m, err
}

// ApproveMethodology makes draft version v the current methodology. Where the
// organisation enforces segregation of duties, nobody approves their own draft.
func (s *Service) ApproveMethodology(ctx context.Context, p *bulwark.Principal, v int) (*Methodology, error) {
	if err := app.Require(p, bulwark.PermApprove); err != nil {
		return nil, err
	}
	var m *Methodology
	err := s.write(ctx, func(tx store) error {
		draft, err := tx.Methodology(ctx, p.Org.ID, v)
		if err != nil {
			return err
		}
		if p.Org.Settings.SegregationOfDuties && (draft.CreatedBy == p.ActorID || slices.Contains(draft.Contributors, p.ActorID)) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "Segregation of duties: someone other than the author of version %d must approve it.", v)
		}
		if err := tx.ApproveMethodology(ctx, p.Org.ID, v, p.ActorID); err != nil {
			return err
		}
		if err := app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "risk_methodology.approve", "risk_methodology", "", "v"+itoa(v), bulwark.Changes{"status": {Before: "draft", After: "approved"}}); err != nil {
			return err
		}
		m, err = tx.Methodology(ctx, p.Org.ID, v)
		return err
	})
	return m, err
}

// RiskInput lists what a person may set on a risk; nil fields stay.
type RiskInput struct {
	Ref                                                                    *string
	Title, Description, Category, Threat, Vulnerability                    *string
	ThreatID, VulnerabilityID, OwnerID, Treatment, TargetDate, ReviewDate  **string
	AssetIDs, ControlIDs                                                   *[]string
	AffectsConfidentiality, AffectsIntegrity, AffectsAvailability          *bool
	InherentLikelihood, InherentImpact, ResidualLikelihood, ResidualImpact **int
	Status                                                                 *string
	Reason                                                                 string // why the assessment changed, for the timeline
}

func (in RiskInput) touchesScores() bool {
	return in.InherentLikelihood != nil || in.InherentImpact != nil || in.ResidualLikelihood != nil || in.ResidualImpact != nil
}

// dropUnchangedScores forgets the likelihoods and impacts when every one given equals the risk's own: a form
// sends all four on every save and a client may echo a risk back, and neither means "rescore". One changed
// value keeps them all, because rescoring on a newer methodology needs all four.
func (in *RiskInput) dropUnchangedScores(r *Risk) {
	same := func(v **int, old *int) bool {
		if v == nil {
			return true
		}
		if *v == nil || old == nil {
			return *v == nil && old == nil
		}
		return **v == *old
	}
	if same(in.InherentLikelihood, r.InherentLikelihood) && same(in.InherentImpact, r.InherentImpact) &&
		same(in.ResidualLikelihood, r.ResidualLikelihood) && same(in.ResidualImpact, r.ResidualImpact) {
		in.InherentLikelihood, in.InherentImpact, in.ResidualLikelihood, in.ResidualImpact = nil, nil, nil, nil
	}
}

func (in RiskInput) apply(r *Risk) bulwark.Changes {
	ch := bulwark.Changes{}
	list := func(field string, dst *[]string, v *[]string) {
		if v != nil && !sameSet(*dst, *v) {
			ch[field] = bulwark.Change{Before: *dst, After: *v}
			*dst = append([]string{}, *v...)
		}
	}
	app.Set(ch, "title", &r.Title, in.Title)
	app.Set(ch, "description", &r.Description, in.Description)
	app.Set(ch, "category", &r.Category, in.Category)
	app.Set(ch, "threat", &r.Threat, in.Threat)
	app.Set(ch, "vulnerability", &r.Vulnerability, in.Vulnerability)
	app.SetOpt(ch, "threat_id", &r.ThreatID, in.ThreatID)
	app.SetOpt(ch, "vulnerability_id", &r.VulnerabilityID, in.VulnerabilityID)
	app.SetOpt(ch, "owner_id", &r.OwnerID, in.OwnerID)
	app.SetOpt(ch, "treatment", &r.Treatment, in.Treatment)
	app.SetOpt(ch, "target_date", &r.TargetDate, in.TargetDate)
	app.SetOpt(ch, "review_date", &r.ReviewDate, in.ReviewDate)
	list("asset_ids", &r.AssetIDs, in.AssetIDs)
	list("control_ids", &r.ControlIDs, in.ControlIDs)
	app.Set(ch, "affects_confidentiality", &r.AffectsConfidentiality, in.AffectsConfidentiality)
	app.Set(ch, "affects_integrity", &r.AffectsIntegrity, in.AffectsIntegrity)
	app.Set(ch, "affects_availability", &r.AffectsAvailability, in.AffectsAvailability)
	app.SetOpt(ch, "inherent_likelihood", &r.InherentLikelihood, in.InherentLikelihood)
	app.SetOpt(ch, "inherent_impact", &r.InherentImpact, in.InherentImpact)
	app.SetOpt(ch, "residual_likelihood", &r.ResidualLikelihood, in.ResidualLikelihood)
	app.SetOpt(ch, "residual_impact", &r.ResidualImpact, in.ResidualImpact)
	app.Set(ch, "status", &r.Status, in.Status)
	return ch
}

// sameSet reports whether two id lists hold the same ids, in any order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	return strings.Join(x, ",") == strings.Join(y, ",")
}

// scoreChanged reports whether a change touches a likelihood or an impact.
func scoreChanged(ch bulwark.Changes) bool {
	for _, f := range []string{"inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact", "methodology_version"} {
		if _, ok := ch[f]; ok {
			return true
		}
	}
	return false
}

// RiskOutcome is a saved risk with what the save did beyond the fields given.
type RiskOutcome struct {
	Risk   *Risk
	Notice string // e.g. sign-offs voided
}

// CreateRisk adds a risk scored with the current methodology. A contributor's
// risk is theirs unless they name another owner.
func (s *Service) CreateRisk(ctx context.Context, p *bulwark.Principal, in RiskInput) (*Risk, error) {
	if err := app.Require(p, bulwark.PermISMSCreateOwn); err != nil {
		return nil, err
	}
	r := &Risk{Status: "draft", AssetIDs: []string{}, ControlIDs: []string{}}
	if in.Ref != nil && strings.TrimSpace(*in.Ref) != "" {
		r.Ref = strings.ToUpper(strings.TrimSpace(*in.Ref))
		if !bulwark.ValidRef(r.Ref) {
			return nil, bulwark.Invalid("ref", "must look like R-001")
		}
	}
	if (in.OwnerID == nil || *in.OwnerID == nil) && !p.Can(bulwark.PermISMSEdit) && p.MemberID != "" {
		me := &p.MemberID
		in.OwnerID = &me
	}
	ch := in.apply(r)
	if r.Status == "draft" && r.InherentLikelihood != nil { // a risk with a likelihood and impact is assessed
		r.Status = "assessed"
	}
	if r.Status == "accepted" {
		return nil, bulwark.Invalid("status", "a new risk has no sign-off yet; sign it off, then accept it")
	}
	err := s.write(ctx, func(tx store) error {
		m, err := tx.Methodology(ctx, p.Org.ID, 0)
		if err != nil {
			return err
		}
		r.MethodologyVersion = m.Version
		if err := s.checkRisk(ctx, tx, p, r, m, nil); err != nil {
			return err
		}
		if err := tx.InsertRisk(ctx, p.Org.ID, r); err != nil {
			return err
		}
		if err := app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "risk.create", "risk", r.ID, r.Ref, ch); err != nil {
			return err
		}
		if len(r.ControlIDs) > 0 { // the Statement of Applicability lists the risks each control treats
			return controls.SoAChanged(ctx, tx.Tx, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// checkRisk validates a risk, derives its scores and checks its links; the owner
// must be an active member when it changes from oldOwner (a former member stays
// recorded on the risks they owned until someone reassigns them).
func (s *Service) checkRisk(ctx context.Context, tx store, p *bulwark.Principal, r *Risk, m *Methodology, oldOwner *string) error {
	var all bulwark.Validation
	var ownerErr error
	if !app.EqPtr(r.OwnerID, oldOwner) {
		ownerErr = app.CheckMember(ctx, tx.Tx, p.Org.ID, "owner_id", r.OwnerID)
	}
	errs := []error{r.Validate(), r.Derive(m), ownerErr, tx.CheckRiskLinks(ctx, p.Org.ID, r.AssetIDs, r.ControlIDs)}
	for _, id := range []struct {
		field, kind string
		v           *string
	}{{"threat_id", "threat", r.ThreatID}, {"vulnerability_id", "vulnerability", r.VulnerabilityID}} {
		if id.v != nil {
			it, err := tx.LibraryItem(ctx, p.Org.ID, *id.v)
			if err != nil || it.Kind != id.kind {
				all.Add(id.field, "must be the id of a "+id.kind+" of the organisation's library")
			}
		}
	}
	for _, err := range errs {
		if err == nil {
			continue
		}
		var be *bulwark.Error
		if !errors.As(err, &be) || be.Code != bulwark.EINVALID {
			return err
		}
		for _, f := range be.Fields {
			all.Add(f.Field, f.Message)
		}
	}
	return all.Err()
}

// Risk returns one risk.
func (s *Service) Risk(ctx context.Context, p *bulwark.Principal, id string) (*Risk, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Risk
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.Risk(ctx, p.Org.ID, id)
		return err
	})
	return out, err
}

// Risks lists one page of the register.
func (s *Service) Risks(ctx context.Context, p *bulwark.Principal, f RiskFilter) ([]*Risk, string, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, "", err
	}
	var out []*Risk
	var next string
	// No transaction: the page and its links are separate statements, each on the latest commit, and run as
	// statements prepared once per connection. A link changed between the two shows with the page; nothing
	// here needs one snapshot.
	err := s.view(ctx, func(tx store) error {
		if f.Level != "" {
			// A level is named as the methodology spells it, in any case ("high" finds "High"); a name no
			// version uses is an error, not an empty page.
			ms, err := tx.Methodologies(ctx, p.Org.ID)
			if err != nil {
				return err
			}
			if f.Level = levelName(ms, f.Level); f.Level == "" {
				var names []string
				for _, b := range ms[0].Levels {
					names = append(names, b.Label)
				}
				return bulwark.Invalid("level", "is not a level of the risk methodology; its levels are "+strings.Join(names, ", "))
			}
		}
		var err error
		out, next, err = tx.Risks(ctx, p.Org.ID, f)
		return err
	})
	return out, next, err
}

// levelName returns the spelling of level in the methodology versions ms, or "" when none has it.
func levelName(ms []*Methodology, level string) string {
	for _, m := range ms {
		for _, b := range m.Levels {
			if strings.EqualFold(b.Label, level) {
				return b.Label
			}
		}
	}
	return ""
}

// UpdateRisk changes a risk. A risk scored with an older methodology keeps its
// values until rescored: a change that touches any likelihood or impact must then
// give all four on the current scales. Changing a likelihood or an impact voids
// the sign-offs, sets the status to assessed and adds to the reassessment timeline.
// Becoming accepted needs the sign-offs CanAccept asks for.
func (s *Service) UpdateRisk(ctx context.Context, p *bulwark.Principal, id string, in RiskInput, expect *int, archive *bool) (*RiskOutcome, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	out := &RiskOutcome{}
	err := s.write(ctx, func(tx store) error { return s.updateRisk(ctx, tx, p, id, in, expect, archive, out) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SetControlRisks makes riskIDs the live risks that control controlID treats, changing each risk added or
// removed as the risk form would (its owner or a manager only, a new version, an audit entry each), all or
// nothing.
func (s *Service) SetControlRisks(ctx context.Context, p *bulwark.Principal, controlID string, riskIDs []string) (added, removed int, err error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return 0, 0, err
	}
	err = s.write(ctx, func(tx store) error {
		c, err := controls.One(ctx, tx.Tx, p.Org.ID, controlID)
		if err != nil {
			return err
		}
		want := map[string]bool{}
		for _, id := range riskIDs {
			want[id] = true
		}
		for _, id := range c.RiskIDs {
			if want[id] {
				delete(want, id)
				continue
			}
			r, err := tx.Risk(ctx, p.Org.ID, id)
			if err != nil {
				return err
			}
			ids := slices.DeleteFunc(slices.Clone(r.ControlIDs), func(x string) bool { return x == controlID })
			if err := s.updateRisk(ctx, tx, p, id, RiskInput{ControlIDs: &ids}, nil, nil, &RiskOutcome{}); err != nil {
				return err
			}
			removed++
		}
		for _, id := range riskIDs {
			if !want[id] {
				continue
			}
			delete(want, id)
			r, err := tx.Risk(ctx, p.Org.ID, id)
			if bulwark.ErrorCode(err) == bulwark.ENOTFOUND {
				return bulwark.Invalid("risk_ids", fmt.Sprintf("%q is not one of the organisation's risks", id))
			} else if err != nil {
				return err
			}
			if r.ArchivedAt != nil {
				return bulwark.Invalid("risk_ids", r.Ref+" is archived: restore it first")
			}
			ids := append(slices.Clone(r.ControlIDs), controlID)
			if err := s.updateRisk(ctx, tx, p, id, RiskInput{ControlIDs: &ids}, nil, nil, &RiskOutcome{}); err != nil {
				return err
			}
			added++
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return added, removed, nil
}

// updateRisk is UpdateRisk inside the caller's transaction.
func (s *Service) updateRisk(ctx context.Context, tx store, p *bulwark.Principal, id string, in RiskInput, expect *int, archive *bool, out *RiskOutcome) error {
	{
		r, err := tx.Risk(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if !app.CanEdit(p, r.OwnerID) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "You can change only the risks you own; %s is someone else's.", r.Ref)
		}
		if expect != nil && *expect != r.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "The risk was changed by someone else (version %d, not %d); reload and try again.", r.Version, *expect)
		}
		if in.Ref != nil && !strings.EqualFold(strings.TrimSpace(*in.Ref), r.Ref) {
			return bulwark.Invalid("ref", "cannot be changed")
		}
		in.dropUnchangedScores(r)
		current, err := tx.Methodology(ctx, p.Org.ID, 0)
		if err != nil {
			return err
		}
		m := current
		before := *r
		if r.MethodologyVersion != current.Version {
			if in.touchesScores() {
				var v bulwark.Validation
				for _, f := range []struct {
					name string
					v    **int
				}{{"inherent_likelihood", in.InherentLikelihood}, {"inherent_impact", in.InherentImpact}, {"residual_likelihood", in.ResidualLikelihood}, {"residual_impact", in.ResidualImpact}} {
					if f.v == nil {
						v.Add(f.name, "must be given: this risk was scored with methodology version "+itoa(r.MethodologyVersion)+"; rescoring on version "+itoa(current.Version)+" needs all four values")
					}
				}
				if err := v.Err(); err != nil {
					return err
				}
			} else if m, err = tx.Methodology(ctx, p.Org.ID, r.MethodologyVersion); err != nil {
				return err
			}
		}
		ch := in.apply(r)
		if m.Version != r.MethodologyVersion {
			ch["methodology_version"] = bulwark.Change{Before: r.MethodologyVersion, After: m.Version}
			r.MethodologyVersion = m.Version
		}
		rescored := scoreChanged(ch)
		if _, newOwner := ch["owner_id"]; newOwner && before.Status == "accepted" && !rescored {
			// The acceptance was the previous owner's: the new owner must sign off again.
			n, err := tx.VoidSignOffs(ctx, p.Org.ID, r.ID)
			if err != nil {
				return err
			}
			ch["status"] = bulwark.Change{Before: before.Status, After: "assessed"}
			r.Status = "assessed"
			out.Notice = "The risk owner changed: " + bulwark.Plural(int(n), "sign-off") + " voided; the risk is assessed again."
		}
		if rescored {
			n, err := tx.VoidSignOffs(ctx, p.Org.ID, r.ID)
			if err != nil {
				return err
			}
			if r.Status == "accepted" || r.Status == "in_treatment" || r.Status == "draft" || n > 0 {
				if _, given := ch["status"]; !given || r.Status == "accepted" {
					if before.Status != "assessed" {
						ch["status"] = bulwark.Change{Before: before.Status, After: "assessed"}
					}
					r.Status = "assessed"
				}
			}
			if n > 0 {
				out.Notice = "The likelihood or impact changed: " + bulwark.Plural(int(n), "sign-off") + " voided; the risk is assessed again."
				ch["sign_offs_voided"] = bulwark.Added(n)
			}
		}
		if err := s.checkRisk(ctx, tx, p, r, m, before.OwnerID); err != nil {
			return err
		}
		if r.Status == "accepted" && before.Status != "accepted" {
			signs, err := tx.SignOffs(ctx, p.Org.ID, r.ID)
			if err != nil {
				return err
			}
			if err := CanAccept(r, m, signs, p.Org.Settings.SegregationOfDuties); err != nil {
				return err
			}
		}
		action := "risk.update"
		if archive != nil && *archive != (r.ArchivedAt != nil) {
			if *archive {
				now := tx.Now()
				r.ArchivedAt, action = &now, "risk.archive"
			} else {
				r.ArchivedAt, action = nil, "risk.restore"
			}
			ch["archived_at"] = bulwark.Change{After: r.ArchivedAt}
		}
		out.Risk = r
		if len(ch) == 0 {
			return nil
		}
		if err := tx.UpdateRisk(ctx, p.Org.ID, r); err != nil {
			return err
		}
		if rescored {
			timeline := bulwark.Changes{}
			for _, f := range []string{"inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact", "methodology_version"} {
				if c, ok := ch[f]; ok {
					timeline[f] = c
				}
			}
			if err := tx.InsertRiskReview(ctx, p.Org.ID, r.ID, p.ActorID, strings.TrimSpace(in.Reason), timeline.JSON()); err != nil {
				return err
			}
		}
		if err := app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), action, "risk", r.ID, r.Ref, ch); err != nil {
			return err
		}
		// The Statement of Applicability lists the risks each control treats.
		_, relinked := ch["control_ids"]
		if relinked || (action != "risk.update" && len(r.ControlIDs) > 0) {
			return controls.SoAChanged(ctx, tx.Tx, p)
		}
		return nil
	}
}

// SignOff records the principal's sign-off of a risk: as its owner (approving the
// treatment plan and accepting the residual risk), and/or as an owner or admin of
// the organisation. Anyone else is refused.
func (s *Service) SignOff(ctx context.Context, p *bulwark.Principal, riskID, comment string) (*SignOff, error) {
	if err := app.Require(p, bulwark.PermRiskSignOffOwn); err != nil {
		return nil, err
	}
	var out *SignOff
	err := s.write(ctx, func(tx store) error {
		r, err := tx.Risk(ctx, p.Org.ID, riskID)
		if err != nil {
			return err
		}
		so := &SignOff{RiskID: r.ID, SignerID: p.MemberID, Comment: strings.TrimSpace(comment),
			AsOwner: r.OwnerID != nil && *r.OwnerID == p.MemberID, AsApprover: p.Can(bulwark.PermRiskSignOffAny)}
		if so.AsOwner && so.AsApprover && p.Org.Settings.SegregationOfDuties {
			// One person's sign-off is the risk owner's only: the approval above the criteria comes from
			// someone else (A.5.3).
			so.AsApprover = false
		}
		if !so.AsOwner && !so.AsApprover {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "Only the risk owner, or an owner or admin of the organisation, can sign off this risk.")
		}
		if r.InherentLevel == nil {
			return bulwark.Invalid("risk", "assess the risk (likelihood and impact) before signing it off")
		}
		so.Residual = r.ResidualLevel
		if so.Residual == nil {
			so.Residual = r.InherentLevel
		}
		if err := tx.InsertSignOff(ctx, p.Org.ID, so); err != nil {
			return err
		}
		out = so
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "risk.sign_off", "risk", r.ID, r.Ref, bulwark.Changes{
			"as_risk_owner": bulwark.Added(so.AsOwner), "as_approver": bulwark.Added(so.AsApprover), "residual_level": bulwark.Added(so.Residual), "comment": bulwark.Added(so.Comment),
		})
	})
	return out, err
}

// SignOffs lists a risk's sign-offs.
func (s *Service) SignOffs(ctx context.Context, p *bulwark.Principal, riskID string) ([]SignOff, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []SignOff
	err := s.read(ctx, func(tx store) error {
		if _, err := tx.Risk(ctx, p.Org.ID, riskID); err != nil {
			return err
		}
		var err error
		out, err = tx.SignOffs(ctx, p.Org.ID, riskID)
		return err
	})
	return out, err
}

// RiskReviews returns a risk's reassessment timeline.
func (s *Service) RiskReviews(ctx context.Context, p *bulwark.Principal, riskID string) ([]RiskReview, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []RiskReview
	err := s.read(ctx, func(tx store) error {
		if _, err := tx.Risk(ctx, p.Org.ID, riskID); err != nil {
			return err
		}
		var err error
		out, err = tx.RiskReviews(ctx, p.Org.ID, riskID)
		return err
	})
	return out, err
}

// Heatmap is the count of risks per cell on the current methodology's scales.
type Heatmap struct {
	Kind        string         `json:"kind"`
	Methodology *Methodology   `json:"methodology"`
	Cells       []HeatCell     `json:"cells"`
	Total       int            `json:"total"`
	Levels      map[string]int `json:"levels"`
	Unscored    int            `json:"other_versions"` // risks on other methodology versions, not drawn
}

// RiskHeatmap counts the register's risks per likelihood and impact (kind
// inherent or residual), on the current methodology.
func (s *Service) RiskHeatmap(ctx context.Context, p *bulwark.Principal, kind string) (*Heatmap, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	if kind == "" {
		kind = "inherent"
	}
	if kind != "inherent" && kind != "residual" {
		return nil, bulwark.Invalid("kind", "must be inherent or residual")
	}
	h := &Heatmap{Kind: kind, Levels: map[string]int{}}
	err := s.read(ctx, func(tx store) error {
		var err error
		if h.Methodology, err = tx.Methodology(ctx, p.Org.ID, 0); err != nil {
			return err
		}
		if h.Cells, err = tx.Heatmap(ctx, p.Org.ID, kind, h.Methodology.Version); err != nil {
			return err
		}
		h.Unscored, err = tx.CountRisksNotOnVersion(ctx, p.Org.ID, h.Methodology.Version)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, c := range h.Cells {
		h.Total += c.Count
		score, _ := h.Methodology.Score(c.Likelihood, c.Impact)
		b, _ := h.Methodology.Level(score)
		h.Levels[b.Label] += c.Count
	}
	if h.Cells == nil {
		h.Cells = []HeatCell{}
	}
	return h, nil
}

// Library lists the organisation's threats or vulnerabilities.
func (s *Service) Library(ctx context.Context, p *bulwark.Principal, kind string) ([]LibraryItem, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []LibraryItem
	err := s.view(ctx, func(tx store) error {
		var err error
		out, err = tx.Library(ctx, p.Org.ID, kind)
		return err
	})
	return out, err
}

// ActionInput lists what a person may set on a treatment action.
type ActionInput struct {
	Title   *string
	OwnerID **string
	DueDate **string
	Status  *string
}

// Actions lists a risk's treatment actions.
func (s *Service) Actions(ctx context.Context, p *bulwark.Principal, riskID string) ([]*Action, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Action
	err := s.read(ctx, func(tx store) error {
		if _, err := tx.Risk(ctx, p.Org.ID, riskID); err != nil {
			return err
		}
		var err error
		out, err = tx.Actions(ctx, p.Org.ID, ActionFilter{RiskID: riskID})
		return err
	})
	return out, err
}

// SaveAction creates (id "") or changes a treatment action of a risk; the risk's
// owner, the action's owner and managers may.
func (s *Service) SaveAction(ctx context.Context, p *bulwark.Principal, riskID, id string, in ActionInput, expect *int) (*Action, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Action
	err := s.write(ctx, func(tx store) error {
		r, err := tx.Risk(ctx, p.Org.ID, riskID)
		if err != nil {
			return err
		}
		a := &Action{RiskID: r.ID, RiskRef: r.Ref, Status: "open"}
		if id != "" {
			if a, err = tx.Action(ctx, p.Org.ID, riskID, id); err != nil {
				return err
			}
			if expect != nil && *expect != a.Version {
				return bulwark.Errorf(bulwark.ECONFLICT, "The action was changed by someone else; reload and try again.")
			}
		}
		if !app.CanEdit(p, r.OwnerID, a.OwnerID) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "Only the risk's owner, the action's owner or a manager can change this action.")
		}
		ch := bulwark.Changes{}
		app.Set(ch, "title", &a.Title, in.Title)
		app.SetOpt(ch, "owner_id", &a.OwnerID, in.OwnerID)
		app.SetOpt(ch, "due_date", &a.DueDate, in.DueDate)
		app.Set(ch, "status", &a.Status, in.Status)
		if err := a.Validate(); err != nil {
			return err
		}
		if err := app.CheckMember(ctx, tx.Tx, p.Org.ID, "owner_id", a.OwnerID); err != nil {
			return err
		}
		out = a
		if id == "" {
			if err := tx.InsertAction(ctx, p.Org.ID, a); err != nil {
				return err
			}
			return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "risk_action.create", "risk_action", a.ID, r.Ref, ch)
		}
		if len(ch) == 0 {
			return nil
		}
		if err := tx.UpdateAction(ctx, p.Org.ID, a); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "risk_action.update", "risk_action", a.ID, r.Ref, ch)
	})
	return out, err
}

// Tasks is what waits for one member.
type Tasks struct {
	OverdueActions  []*Action `json:"overdue_actions"`
	OpenActions     []*Action `json:"open_actions"`
	PendingSignOffs []*Risk   `json:"pending_sign_offs"`
	// ApprovalsWaiting are risks above the acceptance criteria that wait for an owner's or admin's approval
	// (for those roles only; with segregation of duties, not the viewer's own risks).
	ApprovalsWaiting []*Risk `json:"approvals_waiting"`
	ReviewsDue       []*Risk `json:"reviews_due"`
}

// MyTasks gathers the principal's open treatment actions, risks awaiting their
// sign-off and their risks past the review date (dates in the organisation's time zone).
func (s *Service) MyTasks(ctx context.Context, p *bulwark.Principal) (*Tasks, error) {
	if err := app.Require(p, bulwark.PermSelfService); err != nil {
		return nil, err
	}
	t := &Tasks{}
	err := s.read(ctx, func(tx store) error {
		today := bulwark.Today(tx.Now(), p.Org.Settings.TimeZone)
		actions, err := tx.Actions(ctx, p.Org.ID, ActionFilter{OwnerID: p.MemberID, OpenOnly: true})
		if err != nil {
			return err
		}
		for _, a := range actions {
			if a.Overdue(today) {
				t.OverdueActions = append(t.OverdueActions, a)
			} else {
				t.OpenActions = append(t.OpenActions, a)
			}
		}
		if p.Can(bulwark.PermRiskSignOffOwn) {
			if t.PendingSignOffs, err = tx.PendingSignOffs(ctx, p.Org.ID, p.MemberID); err != nil {
				return err
			}
		}
		if p.Can(bulwark.PermRiskSignOffAny) {
			m, err := tx.Methodology(ctx, p.Org.ID, 0)
			if err != nil {
				return err
			}
			var above []string
			for _, b := range m.Levels {
				if !m.Acceptable(b.Label) {
					above = append(above, b.Label)
				}
			}
			if t.ApprovalsWaiting, err = tx.ApprovalsWaiting(ctx, p.Org.ID, p.MemberID, above, p.Org.Settings.SegregationOfDuties); err != nil {
				return err
			}
		}
		t.ReviewsDue, _, err = tx.Risks(ctx, p.Org.ID, RiskFilter{OwnerID: p.MemberID, ReviewBefore: today, Limit: 200})
		return err
	})
	return t, err
}

// RiskSummary feeds the dashboard: risks by level and owner, and overdue actions.
type RiskSummary struct {
	ByLevel        map[string]int // inherent level → live risks
	ByResidual     map[string]int // residual level (inherent where none) → live risks
	ByOwner        map[string]int
	OverdueActions []*Action
	ReviewsDue     int
	Today          string // in the organisation's time zone
	Levels         []Band
	AcceptableUpTo string // the highest acceptable level
	Total          int    // live risks
}

// RiskSummary counts the register for the dashboard.
func (s *Service) RiskSummary(ctx context.Context, p *bulwark.Principal) (*RiskSummary, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	// A snapshot until the organisation changes, like readiness: counting 20,000 risks on every visit of the
	// dashboard is what made it slow.
	return app.Snapshot(ctx, s.Service, p, "risk-summary", func(ctx context.Context) (*RiskSummary, error) { return s.riskSummary(ctx, p) })
}

func (s *Service) riskSummary(ctx context.Context, p *bulwark.Principal) (*RiskSummary, error) {
	sum := &RiskSummary{}
	err := s.read(ctx, func(tx store) error {
		var err error
		if sum.ByLevel, sum.ByResidual, sum.ByOwner, err = tx.RiskCounts(ctx, p.Org.ID); err != nil {
			return err
		}
		m, err := tx.Methodology(ctx, p.Org.ID, 0)
		if err != nil {
			return err
		}
		sum.Levels, sum.AcceptableUpTo = m.Levels, m.AcceptableUpTo
		for _, n := range sum.ByOwner {
			sum.Total += n
		}
		today := bulwark.Today(tx.Now(), p.Org.Settings.TimeZone)
		sum.Today = today
		if sum.OverdueActions, err = tx.Actions(ctx, p.Org.ID, ActionFilter{OpenOnly: true, DueBefore: today}); err != nil {
			return err
		}
		sum.ReviewsDue, err = tx.CountReviewsDue(ctx, p.Org.ID, today)
		return err
	})
	return sum, err
}

// RescoreItem shows how a risk on an older methodology would move if its values
// were kept on the current scales.
type RescoreItem struct {
	RiskID        string  `json:"risk_id"`
	Ref           string  `json:"ref"`
	Title         string  `json:"title"`
	FromVersion   int     `json:"from_version"`
	InherentLevel *string `json:"inherent_level"`
	ResidualLevel *string `json:"residual_level"`
	// On the current version with the same values; nil when a value is off the new scale.
	NewInherentLevel *string `json:"new_inherent_level"`
	NewResidualLevel *string `json:"new_residual_level"`
	NeedsNewValues   bool    `json:"needs_new_values"`
}

// RescorePreview lists the risks not yet on the current methodology and where
// their values would land on it. Rescoring itself is a PATCH giving all four values.
func (s *Service) RescorePreview(ctx context.Context, p *bulwark.Principal) ([]RescoreItem, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	out := []RescoreItem{}
	err := s.read(ctx, func(tx store) error {
		current, err := tx.Methodology(ctx, p.Org.ID, 0)
		if err != nil {
			return err
		}
		cursor := ""
		for {
			page, next, err := tx.Risks(ctx, p.Org.ID, RiskFilter{Limit: 500, Cursor: cursor})
			if err != nil {
				return err
			}
			for _, r := range page {
				if r.MethodologyVersion == current.Version {
					continue
				}
				it := RescoreItem{RiskID: r.ID, Ref: r.Ref, Title: r.Title, FromVersion: r.MethodologyVersion, InherentLevel: r.InherentLevel, ResidualLevel: r.ResidualLevel}
				probe := *r
				if err := probe.Derive(current); err != nil {
					it.NeedsNewValues = true
				} else {
					it.NewInherentLevel, it.NewResidualLevel = probe.InherentLevel, probe.ResidualLevel
				}
				out = append(out, it)
			}
			if next == "" {
				return nil
			}
			cursor = next
		}
	})
	return out, err
}

// SuggestedControls lists the organisation's controls that the library links to
// the risk's threat and vulnerability and that the risk does not name yet.
func (s *Service) SuggestedControls(ctx context.Context, p *bulwark.Principal, r *Risk) ([]*controls.Control, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*controls.Control
	err := s.read(ctx, func(tx store) error {
		want := map[string]bool{}
		for _, id := range []*string{r.ThreatID, r.VulnerabilityID} {
			if id == nil {
				continue
			}
			it, err := tx.LibraryItem(ctx, p.Org.ID, *id)
			if err != nil {
				continue
			}
			for _, ref := range it.Controls {
				want[ref] = true
			}
		}
		if len(want) == 0 {
			return nil
		}
		linked := map[string]bool{}
		for _, id := range r.ControlIDs {
			linked[id] = true
		}
		cs, err := controls.List(ctx, tx.Tx, p.Org.ID, controls.ControlFilter{})
		if err != nil {
			return err
		}
		for _, c := range cs {
			if want[c.Ref] && !linked[c.ID] {
				out = append(out, c)
			}
		}
		return nil
	})
	return out, err
}

// LibraryInput is what a person may set on a library entry.
type LibraryInput struct {
	Name, Category, Description *string
	Controls                    *[]string // Annex A refs
}

// SaveLibraryItem adds (id "") or changes a threat or vulnerability of the
// organisation's library.
func (s *Service) SaveLibraryItem(ctx context.Context, p *bulwark.Principal, kind, id string, in LibraryInput) (*LibraryItem, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	var out *LibraryItem
	err := s.write(ctx, func(tx store) error {
		it := &LibraryItem{Kind: kind, Controls: []string{}, Affects: []string{}}
		if id != "" {
			cur, err := tx.LibraryItem(ctx, p.Org.ID, id)
			if err != nil || cur.Kind != kind {
				return bulwark.Errorf(bulwark.ENOTFOUND, "Library entry not found.")
			}
			it = cur
		}
		if in.Name != nil {
			it.Name = strings.TrimSpace(*in.Name)
		}
		if in.Category != nil {
			it.Category = strings.TrimSpace(*in.Category)
		}
		if in.Description != nil {
			it.Description = strings.TrimSpace(*in.Description)
		}
		var v bulwark.Validation
		if in.Controls != nil {
			cs, err := controls.List(ctx, tx.Tx, p.Org.ID, controls.ControlFilter{})
			if err != nil {
				return err
			}
			refs := map[string]bool{}
			for _, c := range cs {
				if c.RequirementID != nil {
					refs[c.Ref] = true
				}
			}
			for _, ref := range *in.Controls {
				if !refs[ref] {
					v.Add("controls", ref+" is not an Annex A control")
				}
			}
			it.Controls = *in.Controls
		}
		if it.Name == "" {
			v.Add("name", "is required")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.SaveLibraryItem(ctx, p.Org.ID, it); err != nil {
			return err
		}
		out = it
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "risk_library.save", kind, it.ID, it.Ref, bulwark.Changes{"name": bulwark.Added(it.Name), "controls": bulwark.Added(it.Controls)})
	})
	return out, err
}

// controlSet lists the organisation's controls, to link them to risks.
func (s *Service) controlSet(ctx context.Context, p *bulwark.Principal) ([]*controls.Control, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*controls.Control
	err := s.view(ctx, func(tx store) error {
		var err error
		out, err = controls.List(ctx, tx.Tx, p.Org.ID, controls.ControlFilter{})
		return err
	})
	return out, err
}

// smallRegister is how many assets a risk's asset picker lists whole; beyond it, search and typed refs add them.
const smallRegister = 300

// assetChoices returns the assets among chosen, and every live asset when the register is small enough to
// list in the page.
func (s *Service) assetChoices(ctx context.Context, p *bulwark.Principal, chosen []string) (picked, all []*assets.Asset, err error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, nil, err
	}
	err = s.view(ctx, func(tx store) error {
		if picked, err = assets.ByIDs(ctx, tx.Tx, p.Org.ID, chosen); err != nil {
			return err
		}
		n, err := assets.CountAll(ctx, tx.Tx, p.Org.ID)
		if err != nil || n > smallRegister {
			return err
		}
		byRef, err := assets.ByRef(ctx, tx.Tx, p.Org.ID)
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

// addTypedRefs adds to in the controls and assets whose refs were typed into the pickers' boxes: how the
// pickers work without JavaScript. A word that is no ref is an error naming it, so nothing typed is lost.
func (s *Service) addTypedRefs(ctx context.Context, p *bulwark.Principal, in *RiskInput, controlRefs, assetRefs string) error {
	split := func(t string) []string {
		return strings.FieldsFunc(t, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' })
	}
	cr, ar := split(controlRefs), split(assetRefs)
	if len(cr) == 0 && len(ar) == 0 {
		return nil
	}
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return err
	}
	var v bulwark.Validation
	err := s.view(ctx, func(tx store) error {
		if len(cr) > 0 {
			cs, err := controls.List(ctx, tx.Tx, p.Org.ID, controls.ControlFilter{})
			if err != nil {
				return err
			}
			byRef := map[string]string{}
			for _, c := range cs {
				byRef[strings.ToUpper(c.Ref)] = c.ID
			}
			ids := []string{}
			if in.ControlIDs != nil {
				ids = append(ids, *in.ControlIDs...)
			}
			for _, ref := range cr {
				id, ok := byRef[strings.ToUpper(ref)]
				if !ok {
					v.Add("control_ids", fmt.Sprintf("%q is not the ref of a control: pick from the search results, or type refs such as A.8.13", ref))
					continue
				}
				if !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
			in.ControlIDs = &ids
		}
		if len(ar) > 0 {
			byRef, err := assets.ByRef(ctx, tx.Tx, p.Org.ID)
			if err != nil {
				return err
			}
			upper := map[string]*assets.Asset{}
			for ref, a := range byRef {
				upper[strings.ToUpper(ref)] = a
			}
			ids := []string{}
			if in.AssetIDs != nil {
				ids = append(ids, *in.AssetIDs...)
			}
			for _, ref := range ar {
				a, ok := upper[strings.ToUpper(ref)]
				if !ok {
					v.Add("asset_ids", fmt.Sprintf("%q is not the ref of an asset: pick from the search results, or type refs such as A-014", ref))
					continue
				}
				if !slices.Contains(ids, a.ID) {
					ids = append(ids, a.ID)
				}
			}
			in.AssetIDs = &ids
		}
		return nil
	})
	if err != nil {
		return err
	}
	return v.Err()
}
