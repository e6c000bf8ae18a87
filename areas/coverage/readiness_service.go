package coverage

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/audits"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/areas/documents"
	"github.com/bulwark-isms/bulwark/areas/evidence"
	"github.com/bulwark-isms/bulwark/areas/frameworks"
	"github.com/bulwark-isms/bulwark/areas/incidents"
	"github.com/bulwark-isms/bulwark/areas/nonconformities"
	"github.com/bulwark-isms/bulwark/areas/objectives"
	"github.com/bulwark-isms/bulwark/areas/obligations"
	"github.com/bulwark-isms/bulwark/areas/reviews"
	"github.com/bulwark-isms/bulwark/areas/risks"
	"github.com/bulwark-isms/bulwark/areas/scope"
	"github.com/bulwark-isms/bulwark/areas/suppliers"
	"github.com/bulwark-isms/bulwark/areas/training"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

// Readiness works out, for ISO/IEC 27001 certification, each line an auditor checks and its state.
func (s *Service) Readiness(ctx context.Context, p *bulwark.Principal) (*ReadinessReport, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	// A snapshot until the organisation changes: the report reads every register (30 ms on the large demo)
	// and the dashboard shows it on every visit.
	return app.Snapshot(ctx, s.Service, p, "readiness", func(ctx context.Context) (*ReadinessReport, error) {
		var rep *ReadinessReport
		err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
			var err error
			rep, err = readinessOf(ctx, tx, p.Org.ID, nil)
			return err
		})
		return rep, err
	})
}

// readinessOf gathers the registers' counts inside a transaction and builds the lines; outlines are the
// catalog's requirements when the caller has read them already (nil: read them here).
func readinessOf(ctx context.Context, tx *sqlstore.Tx, orgID string, outlines []frameworks.Outline) (*ReadinessReport, error) {
	var in ReadinessInput
	var err error
	if outlines == nil {
		if outlines, err = frameworks.Outlines(ctx, tx); err != nil {
			return nil, err
		}
	}
	mandates, err := frameworks.AttributeOf(ctx, tx, "mandatory_documented_information")
	if err != nil {
		return nil, err
	}
	parents := map[string]bool{}
	for _, o := range outlines {
		if o.Framework == "iso27001-2022" && o.ParentRef != "" {
			parents[o.ParentRef] = true
		}
	}
	for _, o := range outlines {
		if o.Framework == "iso27001-2022" && o.Kind == "clause" {
			in.Clauses = append(in.Clauses, ClauseInfo{Ref: o.Ref, Title: o.Title, Mandates: mandates[o.ID], Heading: parents[o.Ref]})
		}
	}
	if in.NotStarted, in.Controls, in.NoOwner, in.NoReason, err = controls.Readiness(ctx, tx, orgID); err != nil {
		return nil, err
	}
	if in.SoAStatus, in.SoARevision, err = controls.SoAState(ctx, tx, orgID); err != nil {
		return nil, err
	}
	r, err := risks.ReadinessOf(ctx, tx, orgID)
	if err != nil {
		return nil, err
	}
	in.Risks, in.RiskNoOwner, in.RiskUnscored, in.RiskNoTreatment, in.RiskAwaitingSignOff, in.MethodologyApproved =
		r.Live, r.NoOwner, r.Unscored, r.NoTreatment, r.AwaitingSignOff, r.MethodologyApproved
	var tz string
	if err := tx.QueryRow(ctx, `SELECT time_zone FROM organisations WHERE id = ?`, orgID).Scan(&tz); err != nil {
		return nil, err
	}
	today := bulwark.Today(time.Now(), tz)
	d, err := documents.ReadinessOf(ctx, tx, orgID, today)
	if err != nil {
		return nil, err
	}
	in.Documents, in.DocumentsOverdue, in.AckAsked, in.AckDone = d.Published, d.ReviewOverdue, d.AckAsked, d.AckDone
	in.DocumentFor = map[string]bool{}
	for id := range d.PublishedFor {
		if ref, ok := strings.CutPrefix(id, "iso27001-2022:"); ok {
			in.DocumentFor[ref] = true
		}
	}
	t, err := training.ReadinessOf(ctx, tx, orgID, today)
	if err != nil {
		return nil, err
	}
	in.Campaigns, in.TrainingAssigned, in.TrainingCompleted, in.TrainingOverdue, in.PeopleTrained = t.Campaigns, t.Assigned, t.Completed, t.Overdue, t.PeopleTrained
	e, err := evidence.ReadinessOf(ctx, tx, orgID, today)
	if err != nil {
		return nil, err
	}
	in.Evidence, in.EvidenceStale, in.ImplementedControls, in.ControlsWithoutEvidence = e.Items, e.Stale, e.ImplementedControls, e.WithoutCurrent
	o, err := objectives.ReadinessOf(ctx, tx, orgID, today)
	if err != nil {
		return nil, err
	}
	in.Objectives, in.ObjectivesNoOwner, in.ObjectivesNoMetric, in.Metrics, in.MetricsMeasured, in.MetricsStale = o.Objectives, o.NoOwner, o.NoMetric, o.Metrics, o.Measured, o.Stale
	a, err := audits.ReadinessOf(ctx, tx, orgID, today)
	if err != nil {
		return nil, err
	}
	in.AuditsCompleted, in.AuditUncovered = a.Completed, a.Uncovered
	rv, err := reviews.ReadinessOf(ctx, tx, orgID)
	if err != nil {
		return nil, err
	}
	in.ReviewLast, in.ReviewComplete, in.Today = rv.LastApproved, rv.Complete, today
	nc, err := nonconformities.CountsOf(ctx, tx, orgID)
	if err != nil {
		return nil, err
	}
	in.NCOpen, in.NCPastDue = nc.Open, nc.OpenPastDue
	sc, err := scope.ReadinessOf(ctx, tx, orgID)
	if err != nil {
		return nil, err
	}
	in.ContextIssues, in.IssuesReviewDue, in.InterestedParties, in.PartyRequirements, in.ScopeStatus, in.ScopeRevision =
		sc.ContextIssues, sc.IssuesReviewDue, sc.InterestedParties, sc.Requirements, sc.ScopeStatus, sc.ScopeRevision
	ob, err := obligations.ReadinessOf(ctx, tx, orgID, today)
	if err != nil {
		return nil, err
	}
	in.Obligations, in.ObligationsPastReview = ob.Active, ob.PastReview
	ic, err := incidents.CountsOf(ctx, tx, orgID)
	if err != nil {
		return nil, err
	}
	in.Incidents, in.ClosedNeedingLessons, in.ClosedWithLessons = ic.Total, ic.ClosedHigh, ic.ClosedHighWithLessons
	sp, err := suppliers.ReadinessOf(ctx, tx, orgID, today)
	if err != nil {
		return nil, err
	}
	in.Tier1Suppliers, in.Tier1Assured = sp.Tier1, sp.Tier1Assured
	return BuildReadiness(in), nil
}

func (h *handlers) apiReadiness(w http.ResponseWriter, r *http.Request) {
	rep, err := h.svc.Readiness(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, rep)
}

// readinessSection is the lines of one section, for the page.
type readinessSection struct {
	Title string
	Lines []Line
}

func (h *handlers) readinessPage(w http.ResponseWriter, r *http.Request) {
	rep, err := h.svc.Readiness(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var sections []readinessSection
	for _, l := range rep.Lines {
		if len(sections) == 0 || sections[len(sections)-1].Title != l.Section {
			sections = append(sections, readinessSection{Title: l.Section})
		}
		sections[len(sections)-1].Lines = append(sections[len(sections)-1].Lines, l)
	}
	h.Render(w, r, http.StatusOK, "readiness", &web.Page{Title: "Certification readiness", Nav: "controls", Data: map[string]any{
		"Report": rep, "Sections": sections, "Labels": map[string]string{Ready: "Ready", Missing: "Missing", NotYet: "Not assessed yet"}}})
}
