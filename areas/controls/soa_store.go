package controls

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// soaState is the live statement's row: absent means draft.
type soaState struct {
	Status      string
	SubmittedBy *string
	SubmittedAt *time.Time
}

func (tx store) soaState(ctx context.Context, orgID string) (soaState, error) {
	var st soaState
	var by sql.NullString
	var at sql.NullTime
	err := tx.QueryRow(ctx, `SELECT status, submitted_by, submitted_at FROM soa_states WHERE org_id = ?`, orgID).Scan(&st.Status, &by, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return soaState{Status: SoADraft}, nil
	}
	if err != nil {
		return st, fmt.Errorf("read the SoA's state: %w", err)
	}
	st.SubmittedBy, st.SubmittedAt = sqlstore.StrPtr(by), sqlstore.TimePtr(at)
	return st, nil
}

func (tx store) setSoAState(ctx context.Context, orgID string, st soaState) error {
	_, err := tx.Exec(ctx, `INSERT INTO soa_states (org_id, status, submitted_by, submitted_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET status = excluded.status, submitted_by = excluded.submitted_by, submitted_at = excluded.submitted_at`,
		orgID, st.Status, st.SubmittedBy, sqlstore.NullTime(st.SubmittedAt))
	if err != nil {
		return fmt.Errorf("write the SoA's state: %w", err)
	}
	return nil
}

// SoAChanged puts the principal's organisation's live Statement of Applicability back to draft: a control, or
// what links to one, changed since it was submitted or approved. Its approved revisions stay as they are; the
// loss of the approval is audited. The areas that change what the statement shows (the risk register's control
// links) call it in their transaction.
func SoAChanged(ctx context.Context, tx *sqlstore.Tx, p *bulwark.Principal) error {
	st, err := store{tx}.soaState(ctx, p.Org.ID)
	if err != nil || st.Status == SoADraft {
		return err
	}
	res, err := tx.Exec(ctx, `UPDATE soa_states SET status = ?, submitted_by = NULL, submitted_at = NULL WHERE org_id = ? AND status <> ?`,
		SoADraft, p.Org.ID, SoADraft)
	if err != nil {
		return fmt.Errorf("mark the SoA draft: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "soa.draft", "soa", "", "SoA", bulwark.Changes{"status": {Before: st.Status, After: SoADraft}})
}

// approveSoAState marks the submitted statement approved, unless it changed since it was read (a control
// change commits between the read and this write): then nothing is approved.
func (tx store) approveSoAState(ctx context.Context, orgID string) error {
	res, err := tx.Exec(ctx, `UPDATE soa_states SET status = ? WHERE org_id = ? AND status = ?`, SoAApproved, orgID, SoASubmitted)
	if err != nil {
		return fmt.Errorf("approve the SoA: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "A control changed while the SoA was being approved: it is a draft again. Reload, check and submit it again.")
	}
	return nil
}

// buildSoA reads orgID's live statement: every live control, Annex A first in catalog order, with its theme,
// owner and the refs of the live risks it treats. Status and revision are filled by the caller.
func (tx store) buildSoA(ctx context.Context, orgID string) (*SoA, error) {
	cs, err := tx.Controls(ctx, orgID, ControlFilter{})
	if err != nil {
		return nil, err
	}
	members, err := tx.Members(ctx, orgID)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, m := range members {
		names[m.ID] = m.Name
	}
	themes := map[string]string{}
	rows, err := tx.Query(ctx, `SELECT a.requirement_id, a.value FROM requirement_attributes a
		WHERE a.name = 'theme' AND a.requirement_id IN (SELECT requirement_id FROM controls WHERE org_id = ? AND requirement_id IS NOT NULL)`, orgID)
	if err != nil {
		return nil, fmt.Errorf("control themes: %w", err)
	}
	for rows.Next() {
		var id, v string
		if err := rows.Scan(&id, &v); err != nil {
			rows.Close()
			return nil, err
		}
		themes[id] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	riskRefs := map[string][]string{}
	rows, err = tx.Query(ctx, `SELECT cr.control_id, r.ref FROM control_risks cr JOIN risks r ON r.org_id = cr.org_id AND r.id = cr.risk_id
		WHERE cr.org_id = ? AND r.archived_at IS NULL ORDER BY LENGTH(r.ref), r.ref`, orgID)
	if err != nil {
		return nil, fmt.Errorf("control risks: %w", err)
	}
	for rows.Next() {
		var cid, ref string
		if err := rows.Scan(&cid, &ref); err != nil {
			rows.Close()
			return nil, err
		}
		riskRefs[cid] = append(riskRefs[cid], ref)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The published documents that describe each control (the document register is an area above).
	docRefs := map[string][]string{}
	rows, err = tx.Query(ctx, `SELECT l.control_id, d.ref FROM document_controls l JOIN documents d ON d.org_id = l.org_id AND d.id = l.document_id
		WHERE l.org_id = ? AND d.published_major IS NOT NULL AND d.archived_at IS NULL AND d.status <> 'retired' ORDER BY d.ref`, orgID)
	if err != nil {
		return nil, fmt.Errorf("control documents: %w", err)
	}
	for rows.Next() {
		var cid, ref string
		if err := rows.Scan(&cid, &ref); err != nil {
			rows.Close()
			return nil, err
		}
		docRefs[cid] = append(docRefs[cid], ref)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	soa := &SoA{Status: SoADraft, Entries: make([]SoAEntry, 0, len(cs))}
	for _, c := range cs {
		e := SoAEntry{ControlID: c.ID, Ref: c.Ref, Title: c.Title, Theme: "Own control", Custom: c.IsCustom(), Applicable: c.Applicable,
			InclusionReasons: c.InclusionReasons, ExclusionJustification: c.ExclusionJustification, Status: c.Status,
			Implementation: c.Implementation, Maturity: c.Maturity, OwnerID: c.OwnerID,
			RiskRefs: riskRefs[c.ID], DocumentRefs: docRefs[c.ID], EvidenceIDs: c.EvidenceIDs, EvidenceCount: len(c.EvidenceIDs)}
		if e.DocumentRefs == nil {
			e.DocumentRefs = []string{}
		}
		if e.RiskRefs == nil {
			e.RiskRefs = []string{}
		}
		if c.RequirementID != nil {
			e.Theme = themes[*c.RequirementID]
		}
		if c.OwnerID != nil {
			e.Owner = names[*c.OwnerID]
		}
		soa.Entries = append(soa.Entries, e)
	}
	return soa, nil
}

// insertSoARevision keeps statement soa as revision n.
func (tx store) insertSoARevision(ctx context.Context, orgID string, n int, soa *SoA) error {
	doc, err := json.Marshal(soa)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO soa_revisions (org_id, revision, submitted_by, submitted_at, approved_by, approved_at, document) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		orgID, n, soa.SubmittedBy, sqlstore.NullTime(soa.SubmittedAt), soa.ApprovedBy, sqlstore.NullTime(soa.ApprovedAt), string(doc))
	if sqlstore.IsUniqueViolation(err) {
		return bulwark.Errorf(bulwark.ECONFLICT, "Revision %d of the SoA was approved by someone else meanwhile; reload.", n)
	}
	if err != nil {
		return fmt.Errorf("store SoA revision %d: %w", n, err)
	}
	return nil
}

// lastSoARevision is the number of orgID's last approved revision, 0 when none.
func (tx store) lastSoARevision(ctx context.Context, orgID string) (int, error) {
	var n sql.NullInt64
	if err := tx.QueryRow(ctx, `SELECT MAX(revision) FROM soa_revisions WHERE org_id = ?`, orgID).Scan(&n); err != nil {
		return 0, fmt.Errorf("last SoA revision: %w", err)
	}
	return int(n.Int64), nil
}

// soaRevision reads approved revision n of orgID's statement as it was approved.
func (tx store) soaRevision(ctx context.Context, orgID string, n int) (*SoA, error) {
	var doc string
	err := tx.QueryRow(ctx, `SELECT document FROM soa_revisions WHERE org_id = ? AND revision = ?`, orgID, n).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "The SoA has no approved revision %d.", n)
	}
	if err != nil {
		return nil, fmt.Errorf("read SoA revision %d: %w", n, err)
	}
	var soa SoA
	if err := json.Unmarshal([]byte(doc), &soa); err != nil {
		return nil, fmt.Errorf("SoA revision %d: %w", n, err)
	}
	for i := range soa.Entries {
		if soa.Entries[i].EvidenceIDs == nil { // approved before the evidence register kept ids
			soa.Entries[i].EvidenceIDs = []string{}
		}
	}
	return &soa, nil
}

// soaRevisions lists orgID's approved revisions, newest first.
func (tx store) soaRevisions(ctx context.Context, orgID string) ([]SoARevision, error) {
	rows, err := tx.Query(ctx, `SELECT revision, approved_by, approved_at, submitted_by, submitted_at, document FROM soa_revisions WHERE org_id = ? ORDER BY revision DESC`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list SoA revisions: %w", err)
	}
	defer rows.Close()
	out := []SoARevision{}
	for rows.Next() {
		var r SoARevision
		var by sql.NullString
		var at sql.NullTime
		var doc string
		if err := rows.Scan(&r.Revision, &r.ApprovedBy, &r.ApprovedAt, &by, &at, &doc); err != nil {
			return nil, err
		}
		var soa SoA
		if err := json.Unmarshal([]byte(doc), &soa); err != nil {
			return nil, fmt.Errorf("SoA revision %d: %w", r.Revision, err)
		}
		r.ApprovedAt = r.ApprovedAt.UTC()
		r.SubmittedBy, r.SubmittedAt = sqlstore.StrPtr(by), sqlstore.TimePtr(at)
		r.ApproverName = soa.ApproverName
		r.Controls, r.Applicable, _ = soa.Summary()
		out = append(out, r)
	}
	return out, rows.Err()
}

// SoAState says where orgID's live Statement of Applicability stands and its last approved revision (0 when
// none), for the areas above.
func SoAState(ctx context.Context, tx *sqlstore.Tx, orgID string) (status string, revision int, err error) {
	st, err := store{tx}.soaState(ctx, orgID)
	if err != nil {
		return "", 0, err
	}
	n, err := store{tx}.lastSoARevision(ctx, orgID)
	return st.Status, n, err
}
