package controls

import (
	"context"
	"strconv"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
)

// SoA returns the live Statement of Applicability: built from the controls now, with its state and the
// last approved revision.
func (s *Service) SoA(ctx context.Context, p *bulwark.Principal) (*SoA, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *SoA
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.liveSoA(ctx, p.Org.ID)
		return err
	})
	return out, err
}

// liveSoA is the statement now, with its state and its last approval.
func (tx store) liveSoA(ctx context.Context, orgID string) (*SoA, error) {
	soa, err := tx.buildSoA(ctx, orgID)
	if err != nil {
		return nil, err
	}
	st, err := tx.soaState(ctx, orgID)
	if err != nil {
		return nil, err
	}
	soa.Status, soa.SubmittedBy, soa.SubmittedAt = st.Status, st.SubmittedBy, st.SubmittedAt
	n, err := tx.lastSoARevision(ctx, orgID)
	if err != nil || n == 0 {
		return soa, err
	}
	last, err := tx.soaRevision(ctx, orgID, n)
	if err != nil {
		return nil, err
	}
	soa.Revision, soa.ApprovedBy, soa.ApproverName, soa.ApprovedAt = &n, last.ApprovedBy, last.ApproverName, last.ApprovedAt
	return soa, nil
}

// SubmitSoA sends the live statement for approval. Managers, admins and owners submit; only a draft can be
// submitted.
func (s *Service) SubmitSoA(ctx context.Context, p *bulwark.Principal) (*SoA, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	if p.MemberID == "" { // segregation of duties needs to know who submitted it
		return nil, bulwark.Errorf(bulwark.EFORBIDDEN, "Submitting the SoA needs a member of the organisation: act with --as EMAIL.")
	}
	var out *SoA
	err := s.write(ctx, func(tx store) error {
		st, err := tx.soaState(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		switch st.Status {
		case SoASubmitted:
			return bulwark.Errorf(bulwark.ECONFLICT, "The SoA is already submitted and waits for approval.")
		case SoAApproved:
			return bulwark.Errorf(bulwark.ECONFLICT, "The SoA is approved and nothing has changed since; change a control to start a new draft.")
		}
		now := tx.Now()
		if err := tx.setSoAState(ctx, p.Org.ID, soaState{Status: SoASubmitted, SubmittedBy: &p.MemberID, SubmittedAt: &now}); err != nil {
			return err
		}
		if err := app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "soa.submit", "soa", "", "SoA", bulwark.Changes{
			"status": {Before: SoADraft, After: SoASubmitted}}); err != nil {
			return err
		}
		out, err = tx.liveSoA(ctx, p.Org.ID)
		return err
	})
	return out, err
}

// ApproveSoA approves the submitted statement as its next revision (1, 2, 3 …), kept whole with its
// approver and date. Owners and admins approve; where the organisation enforces segregation of duties,
// not the person who submitted it.
func (s *Service) ApproveSoA(ctx context.Context, p *bulwark.Principal) (*SoA, error) {
	if err := app.Require(p, bulwark.PermApprove); err != nil {
		return nil, err
	}
	if p.MemberID == "" {
		return nil, bulwark.Errorf(bulwark.EFORBIDDEN, "Approving the SoA needs a member of the organisation: act with --as EMAIL.")
	}
	var out *SoA
	err := s.write(ctx, func(tx store) error {
		st, err := tx.soaState(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		if st.Status != SoASubmitted {
			return bulwark.Errorf(bulwark.ECONFLICT, "Only a submitted SoA can be approved; it is %s. Submit it first.", st.Status)
		}
		if p.Org.Settings.SegregationOfDuties && st.SubmittedBy != nil && *st.SubmittedBy == p.MemberID {
			// 409, not 403: the role may approve; this statement's state (who submitted it) is what stands in the way.
			return bulwark.Errorf(bulwark.ECONFLICT, "Segregation of duties: someone other than the person who submitted the SoA must approve it.")
		}
		soa, err := tx.buildSoA(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		n, err := tx.lastSoARevision(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		n++
		now := tx.Now()
		soa.Status, soa.Revision, soa.ApprovedBy, soa.ApprovedAt = SoAApproved, &n, &p.MemberID, &now
		soa.SubmittedBy, soa.SubmittedAt = st.SubmittedBy, st.SubmittedAt
		soa.ApproverName = p.User.Name
		if err := tx.insertSoARevision(ctx, p.Org.ID, n, soa); err != nil {
			return err
		}
		if err := tx.approveSoAState(ctx, p.Org.ID); err != nil {
			return err
		}
		all, applicable, implemented := soa.Summary()
		if err := app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "soa.approve", "soa", "", "SoA revision "+strconv.Itoa(n), bulwark.Changes{
			"status": {Before: SoASubmitted, After: SoAApproved}, "revision": bulwark.Added(n),
			"controls": bulwark.Added(all), "applicable": bulwark.Added(applicable), "implemented": bulwark.Added(implemented)}); err != nil {
			return err
		}
		out = soa
		return nil
	})
	return out, err
}

// SoARevisions lists the approved revisions, newest first.
func (s *Service) SoARevisions(ctx context.Context, p *bulwark.Principal) ([]SoARevision, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []SoARevision
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.soaRevisions(ctx, p.Org.ID)
		return err
	})
	return out, err
}

// SoARevision returns approved revision n as it was approved.
func (s *Service) SoARevision(ctx context.Context, p *bulwark.Principal, n int) (*SoA, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *SoA
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.soaRevision(ctx, p.Org.ID, n)
		return err
	})
	return out, err
}

// SoAAt returns the statement a reference names: "live" (or "") for the live one, else an approved
// revision's number.
func (s *Service) SoAAt(ctx context.Context, p *bulwark.Principal, field, which string) (*SoA, error) {
	if which == "" || which == "live" {
		return s.SoA(ctx, p)
	}
	n, err := strconv.Atoi(which)
	if err != nil || n < 1 || n > 1<<31-1 {
		return nil, bulwark.Invalid(field, "must be an approved revision number such as 2, or live")
	}
	return s.SoARevision(ctx, p, n)
}

// CompareSoA lists what changed, control by control, from statement from to statement to (revision
// numbers, or live).
func (s *Service) CompareSoA(ctx context.Context, p *bulwark.Principal, from, to string) (*SoAComparison, error) {
	if from == "" {
		return nil, bulwark.Invalid("from", "is required: an approved revision number such as 1")
	}
	if to == "" {
		to = "live"
	}
	a, err := s.SoAAt(ctx, p, "from", from)
	if err != nil {
		return nil, err
	}
	b, err := s.SoAAt(ctx, p, "to", to)
	if err != nil {
		return nil, err
	}
	return &SoAComparison{From: from, To: to, Changes: CompareSoA(a, b)}, nil
}
