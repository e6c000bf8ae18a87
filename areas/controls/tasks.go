package controls

import (
	"context"
	"net/http"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/web"
)

// LinkedRisks lists the live risks a control treats.
func (s *Service) LinkedRisks(ctx context.Context, p *bulwark.Principal, controlID string) ([]RiskLink, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []RiskLink
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.linkedRisks(ctx, p.Org.ID, controlID)
		return err
	})
	return out, err
}

// Tasks is what waits for a member in the control set: their controls due for review, and the SoA when it
// waits for their approval.
type Tasks struct {
	ReviewsDue  []*Control   `json:"control_reviews_due"`
	SoAApproval []SoAWaiting `json:"soa_approvals"` // none, or the submitted SoA
}

// SoAWaiting is the submitted Statement of Applicability as a task: who submitted it, when.
type SoAWaiting struct {
	SubmittedBy *string    `json:"submitted_by"`
	SubmittedAt *time.Time `json:"submitted_at"`
}

// MyTasks says what waits for the principal: the controls they own whose review date has come (in the
// organisation's time zone), and the submitted SoA when they may approve it (not their own submission where
// duties are segregated).
func (s *Service) MyTasks(ctx context.Context, p *bulwark.Principal) (*Tasks, error) {
	t := &Tasks{ReviewsDue: []*Control{}, SoAApproval: []SoAWaiting{}}
	if !p.Can(bulwark.PermISMSRead) || p.MemberID == "" {
		return t, nil
	}
	today := bulwark.Today(time.Now(), p.Org.Settings.TimeZone)
	err := s.read(ctx, func(tx store) error {
		due, err := tx.reviewsDue(ctx, p.Org.ID, p.MemberID, today)
		if err != nil {
			return err
		}
		if due != nil {
			t.ReviewsDue = due
		}
		if !p.Can(bulwark.PermApprove) {
			return nil
		}
		st, err := tx.soaState(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		own := st.SubmittedBy != nil && *st.SubmittedBy == p.MemberID && p.Org.Settings.SegregationOfDuties
		if st.Status == SoASubmitted && !own {
			t.SoAApproval = append(t.SoAApproval, SoAWaiting{SubmittedBy: st.SubmittedBy, SubmittedAt: st.SubmittedAt})
		}
		return nil
	})
	return t, err
}

// tasks says what waits for the principal in the control set.
func (h *handlers) tasks(r *http.Request) (web.Tasks, error) {
	p := web.PrincipalFrom(r)
	t, err := h.svc.MyTasks(r.Context(), p)
	if err != nil {
		return web.Tasks{}, err
	}
	n := len(t.ReviewsDue) + len(t.SoAApproval)
	html, err := h.Partial("controls-tasks", &web.Page{P: p, Data: t})
	if err != nil {
		return web.Tasks{}, err
	}
	return web.Tasks{Count: n, JSON: map[string]any{"control_reviews_due": t.ReviewsDue, "soa_approvals": t.SoAApproval}, HTML: html}, nil
}
