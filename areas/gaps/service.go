package gaps

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/areas/frameworks"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Service is the gap assessments: each operation checks the principal's permission, stays inside its
// organisation and writes its audit entry in the same transaction as the change.
type Service struct {
	*app.Service
}

// New returns the area's service over the kernel's.
func New(k *app.Service) *Service { return &Service{Service: k} }

func (s *Service) write(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Write(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

func (s *Service) read(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Read(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

// Assessments lists the organisation's gap assessments, newest first, with their progress and score.
func (s *Service) Assessments(ctx context.Context, p *bulwark.Principal) ([]*Assessment, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Assessment
	err := s.read(ctx, func(tx store) error {
		var err error
		if out, err = tx.assessments(ctx, p.Org.ID); err != nil {
			return err
		}
		for _, a := range out {
			a.Items, a.Gaps = nil, nil // the list carries the scores; each assessment's route has the detail
		}
		return nil
	})
	return out, err
}

// Assessment returns one assessment (by id or ref) with every requirement, its answer and the scores.
func (s *Service) Assessment(ctx context.Context, p *bulwark.Principal, key string) (*Assessment, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Assessment
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.assessment(ctx, p.Org.ID, key)
		return err
	})
	return out, err
}

// CreateAssessment starts a gap assessment (GA-001 …) over framework (a slug or id; ISO/IEC 27001 by default).
func (s *Service) CreateAssessment(ctx context.Context, p *bulwark.Principal, title, framework string) (*Assessment, error) {
	if err := app.Require(p, bulwark.PermISMSCreate); err != nil {
		return nil, err
	}
	if framework == "" {
		framework = "iso27001-2022"
	}
	var out *Assessment
	err := s.write(ctx, func(tx store) error {
		fw, err := frameworks.Lookup(ctx, tx.Tx, framework)
		if bulwark.ErrorCode(err) == bulwark.ENOTFOUND {
			return bulwark.Invalid("framework", fmt.Sprintf("%q is not a framework of the catalog", framework))
		} else if err != nil {
			return err
		}
		n, err := tx.NextRef(ctx, p.Org.ID, "GA")
		if err != nil {
			return err
		}
		a := &Assessment{Ref: bulwark.FormatRef("GA", n), Title: strings.TrimSpace(title)}
		if a.Title == "" {
			a.Title = fw.Name + " gap assessment, " + time.Now().UTC().Format(time.DateOnly)
		}
		if len([]rune(a.Title)) > 200 {
			return bulwark.Invalid("title", "must be at most 200 characters")
		}
		if p.MemberID != "" {
			a.CreatedBy = &p.MemberID
		}
		if err := tx.insertAssessment(ctx, p.Org.ID, fw.ID, a); err != nil {
			return err
		}
		if err := app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "gap_assessment.create", "gap_assessment", a.ID, a.Ref, bulwark.Changes{
			"title": bulwark.Added(a.Title), "framework": bulwark.Added(fw.Slug)}); err != nil {
			return err
		}
		out, err = tx.assessment(ctx, p.Org.ID, a.ID)
		return err
	})
	return out, err
}

// Answer records the answer to one requirement of an assessment in progress.
func (s *Service) Answer(ctx context.Context, p *bulwark.Principal, key string, in Item) (*Assessment, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	var v bulwark.Validation
	if ControlStatus(in.Answer) == "" {
		v.Add("answer", "must be one of "+strings.Join(AnswerValues, ", "))
	}
	in.Notes, in.EvidenceURL = strings.TrimSpace(in.Notes), strings.TrimSpace(in.EvidenceURL)
	if in.EvidenceURL != "" && !strings.HasPrefix(in.EvidenceURL, "https://") && !strings.HasPrefix(in.EvidenceURL, "http://") {
		v.Add("evidence_url", "must be a web address starting with https://")
	}
	if len(in.Notes) > 5000 {
		v.Add("notes", "must be at most 5,000 characters")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Assessment
	err := s.write(ctx, func(tx store) error {
		a, err := tx.assessment(ctx, p.Org.ID, key)
		if err != nil {
			return err
		}
		if a.Status == Finished {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is finished: its answers stay as they were. Start a new assessment to record progress.", a.Ref)
		}
		var cur *Item
		for i := range a.Items {
			if a.Items[i].RequirementID == in.RequirementID {
				cur = &a.Items[i]
			}
		}
		if cur == nil {
			return bulwark.Invalid("requirement_id", fmt.Sprintf("%q is not a requirement this assessment covers", in.RequirementID))
		}
		var by *string
		if p.MemberID != "" {
			by = &p.MemberID
		}
		if err := tx.saveAnswer(ctx, p.Org.ID, a.ID, in, by); err != nil {
			return err
		}
		if err := app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "gap_assessment.answer", "gap_assessment", a.ID, a.Ref, bulwark.Changes{
			"requirement": bulwark.Added(cur.Ref), "answer": {Before: cur.Answer, After: in.Answer}}); err != nil {
			return err
		}
		out, err = tx.assessment(ctx, p.Org.ID, a.ID)
		return err
	})
	return out, err
}

// Finish closes an assessment once every requirement is answered; it is kept as it is, for comparison.
func (s *Service) Finish(ctx context.Context, p *bulwark.Principal, key string) (*Assessment, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	var out *Assessment
	err := s.write(ctx, func(tx store) error {
		a, err := tx.assessment(ctx, p.Org.ID, key)
		if err != nil {
			return err
		}
		if a.Status == Finished {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is already finished.", a.Ref)
		}
		if left := a.Progress.Total - a.Progress.Answered; left > 0 {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s still has %s to answer.", a.Ref, bulwark.Plural(left, "requirement"))
		}
		if err := tx.finish(ctx, p.Org.ID, a.ID); err != nil {
			return err
		}
		if err := app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "gap_assessment.finish", "gap_assessment", a.ID, a.Ref, bulwark.Changes{
			"status": {Before: InProgress, After: Finished}, "score": bulwark.Added(a.Score)}); err != nil {
			return err
		}
		out, err = tx.assessment(ctx, p.Org.ID, a.ID)
		return err
	})
	return out, err
}

// CompareAssessments lists what improved and regressed from assessment from to assessment to (ids or refs),
// which must assess the same framework.
func (s *Service) CompareAssessments(ctx context.Context, p *bulwark.Principal, from, to string) (*Comparison, error) {
	var v bulwark.Validation
	if from == "" {
		v.Add("from", "is required: an assessment ref such as GA-001")
	}
	if to == "" {
		v.Add("to", "is required: an assessment ref such as GA-002")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	a, err := s.Assessment(ctx, p, from)
	if err != nil {
		return nil, err
	}
	b, err := s.Assessment(ctx, p, to)
	if err != nil {
		return nil, err
	}
	if a.Framework != b.Framework {
		return nil, bulwark.Invalid("to", fmt.Sprintf("%s assesses %s and %s assesses %s: compare assessments of the same framework", a.Ref, a.Framework, b.Ref, b.Framework))
	}
	return Compare(a, b), nil
}

// SeedControls sets the status of each Annex A control from its answer in an ISO/IEC 27001 assessment
// (not implemented → not started, partial, implemented, not applicable), in one audited step. A control to be
// marked not applicable needs an exclusion justification: the answer's notes give it, or the control has one;
// otherwise nothing changes and the error lists the controls that need one.
func (s *Service) SeedControls(ctx context.Context, p *bulwark.Principal, key string) (int, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return 0, err
	}
	n := 0
	err := s.write(ctx, func(tx store) error {
		a, err := tx.assessment(ctx, p.Org.ID, key)
		if err != nil {
			return err
		}
		if a.Framework != "iso27001-2022" {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s assesses %s: only an ISO/IEC 27001 assessment's answers set Annex A control statuses.", a.Ref, a.Framework)
		}
		cs, err := controls.List(ctx, tx.Tx, p.Org.ID, controls.ControlFilter{})
		if err != nil {
			return err
		}
		byReq := map[string]*controls.Control{}
		for _, c := range cs {
			if c.RequirementID != nil {
				byReq[*c.RequirementID] = c
			}
		}
		type change struct {
			c  *controls.Control
			in controls.ControlInput
		}
		var changes []change
		var needJustification []string
		for _, it := range a.Items {
			c := byReq[it.RequirementID]
			status := ControlStatus(it.Answer)
			if c == nil || status == "" || status == c.Status {
				continue
			}
			in := controls.ControlInput{Status: &status}
			if status == "not_applicable" && c.ExclusionJustification == "" {
				if it.Notes == "" {
					needJustification = append(needJustification, c.Ref)
					continue
				}
				notes := it.Notes
				in.ExclusionJustification = &notes
			}
			changes = append(changes, change{c, in})
		}
		if len(needJustification) > 0 {
			return bulwark.Invalid("exclusion_justification", fmt.Sprintf("%s answered not applicable with no justification: write why in the answer's notes (or on the control), then seed again",
				strings.Join(needJustification, ", ")))
		}
		for _, ch := range changes {
			if _, err := controls.Update(ctx, tx.Tx, p, ch.c.ID, ch.in); err != nil {
				if code := bulwark.ErrorCode(err); code != bulwark.EINTERNAL {
					return bulwark.Errorf(code, "%s: %s%s", ch.c.Ref, bulwark.ErrorMessage(err), fieldMessages(err))
				}
				return fmt.Errorf("%s: %w", ch.c.Ref, err)
			}
			n++
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "gap_assessment.seed_controls", "gap_assessment", a.ID, a.Ref, bulwark.Changes{
			"controls_changed": bulwark.Added(n)})
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// fieldMessages writes an error's field messages after its title, for an error re-raised under a control's ref.
func fieldMessages(err error) string {
	var out string
	var be *bulwark.Error
	if errors.As(err, &be) {
		for _, f := range be.Fields {
			out += " " + f.Field + " " + f.Message + "."
		}
	}
	return out
}
