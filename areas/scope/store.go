package scope

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// store is the area's SQL over the kernel's transaction; every query names the organisation.
type store struct{ *sqlstore.Tx }

const issueColumns = `id, ref, title, kind, category, description, effect, owner_id, review_date, archived_at, version, created_at, updated_at`

func scanIssue(row interface{ Scan(...any) error }) (*Issue, error) {
	var is Issue
	var owner, review sql.NullString
	var archived sql.NullTime
	err := row.Scan(&is.ID, &is.Ref, &is.Title, &is.Kind, &is.Category, &is.Description, &is.Effect, &owner, &review, &archived, &is.Version, &is.CreatedAt, &is.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Context issue not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan context issue: %w", err)
	}
	is.OwnerID, is.ReviewDate, is.ArchivedAt = sqlstore.StrPtr(owner), sqlstore.StrPtr(review), sqlstore.TimePtr(archived)
	is.CreatedAt, is.UpdatedAt = is.CreatedAt.UTC(), is.UpdatedAt.UTC()
	is.RiskIDs = []string{}
	return &is, nil
}

// IssueFilter narrows the list of context issues. Limit 0 with no cursor lists them all (the pages);
// the API asks for pages of at most 500.
type IssueFilter struct {
	Kind, Category, OwnerID string
	IncludeArchived         bool
	Limit                   int
	Cursor                  string // the previous page's next cursor
}

// refOrder is the registers' one order, by reference number, for their cursors.
var refOrder = map[string]sqlstore.SortField{"ref": {Expr: "ref_number", Kind: 'n'}}

// idList lists the ids of rows, for reading only their links.
func idList[T any](rows []T, id func(T) string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	return out
}

// issues reads a page of orgID's context issues with their risks, in reference order, and the cursor
// of the next page.
func (tx store) issues(ctx context.Context, orgID string, f IssueFilter) ([]*Issue, string, error) {
	k, err := sqlstore.NewKeysetOrAll("ref", f.Cursor, f.Limit, refOrder, "ref", "id")
	if err != nil {
		return nil, "", err
	}
	q, args := `SELECT `+issueColumns+` FROM context_issues WHERE org_id = ?`, []any{orgID}
	if !f.IncludeArchived {
		q += ` AND archived_at IS NULL`
	}
	for _, c := range []struct{ col, v string }{{"kind", f.Kind}, {"category", f.Category}, {"owner_id", f.OwnerID}} {
		if c.v != "" {
			q, args = q+` AND `+c.col+` = ?`, append(args, c.v)
		}
	}
	q, args = k.Apply(q, args, "id", "ref_number, id")
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("context issues: %w", err)
	}
	out := []*Issue{}
	for rows.Next() {
		is, err := scanIssue(rows)
		if err != nil {
			rows.Close()
			return nil, "", err
		}
		out = append(out, is)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := sqlstore.Cut(k, out, func(is *Issue) (string, any) { return is.ID, bulwark.ParseRefNumber(IssueRefPrefix, is.Ref) })
	if len(out) == 0 {
		return out, next, nil
	}
	by := make(map[string]*Issue, len(out))
	for _, is := range out {
		by[is.ID] = is
	}
	in, list := tx.InList("issue_id", idList(out, func(is *Issue) string { return is.ID }))
	err = tx.links(ctx, `SELECT issue_id, risk_id FROM context_issue_risks WHERE org_id = ? AND `+in+` ORDER BY risk_id`, orgID, func(id, link string) {
		if is := by[id]; is != nil {
			is.RiskIDs = append(is.RiskIDs, link)
		}
	}, list)
	return out, next, err
}

// issue reads one context issue by id or ref.
func (tx store) issue(ctx context.Context, orgID, id string) (*Issue, error) {
	is, err := scanIssue(tx.QueryRow(ctx, `SELECT `+issueColumns+` FROM context_issues WHERE org_id = ? AND (id = ? OR ref = ?)`, orgID, id, strings.ToUpper(id)))
	if err != nil {
		return nil, err
	}
	err = tx.links(ctx, `SELECT issue_id, risk_id FROM context_issue_risks WHERE org_id = ? AND issue_id = ? ORDER BY risk_id`, orgID, func(_, link string) {
		is.RiskIDs = append(is.RiskIDs, link)
	}, is.ID)
	return is, err
}

// links runs q (two columns: a row's id and a linked id) and hands each pair to add.
func (tx store) links(ctx context.Context, q, orgID string, add func(id, link string), more ...any) error {
	rows, err := tx.Query(ctx, q, append([]any{orgID}, more...)...)
	if err != nil {
		return fmt.Errorf("links: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, link string
		if err := rows.Scan(&id, &link); err != nil {
			return err
		}
		add(id, link)
	}
	return rows.Err()
}

// setLinks replaces the links of row id in table (columns col, linkCol) with ids.
func (tx store) setLinks(ctx context.Context, table, col, linkCol, orgID, id string, ids []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE org_id = ? AND `+col+` = ?`, orgID, id); err != nil {
		return fmt.Errorf("clear %s: %w", table, err)
	}
	for _, l := range ids {
		if _, err := tx.Exec(ctx, `INSERT INTO `+table+` (org_id, `+col+`, `+linkCol+`) VALUES (?, ?, ?)`, orgID, id, l); err != nil {
			return fmt.Errorf("link %s: %w", table, err)
		}
	}
	return nil
}

func (tx store) insertIssue(ctx context.Context, orgID string, is *Issue) error {
	num, err := tx.NextRef(ctx, orgID, IssueRefPrefix)
	if err != nil {
		return err
	}
	now := tx.Now()
	is.ID, is.Ref, is.Version, is.CreatedAt, is.UpdatedAt = sqlstore.NewID(), bulwark.FormatRef(IssueRefPrefix, num), 1, now, now
	if _, err := tx.Exec(ctx, `INSERT INTO context_issues (id, org_id, ref, ref_number, title, kind, category, description, effect, owner_id, review_date, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, is.ID, orgID, is.Ref, num, is.Title, is.Kind, is.Category, is.Description, is.Effect, is.OwnerID, is.ReviewDate, now, now); err != nil {
		return fmt.Errorf("store context issue: %w", err)
	}
	return tx.setLinks(ctx, "context_issue_risks", "issue_id", "risk_id", orgID, is.ID, is.RiskIDs)
}

func (tx store) updateIssue(ctx context.Context, orgID string, is *Issue, links bool) error {
	is.Version++
	is.UpdatedAt = tx.Now()
	res, err := tx.Exec(ctx, `UPDATE context_issues SET title = ?, kind = ?, category = ?, description = ?, effect = ?, owner_id = ?, review_date = ?, archived_at = ?,
		version = ?, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?`, is.Title, is.Kind, is.Category, is.Description, is.Effect, is.OwnerID, is.ReviewDate,
		sqlstore.NullTime(is.ArchivedAt), is.Version, is.UpdatedAt, orgID, is.ID, is.Version-1)
	if err != nil {
		return fmt.Errorf("update context issue: %w", err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return bulwark.Errorf(bulwark.ECONFLICT, "%s changed meanwhile: reload and try again.", is.Ref)
	}
	if !links {
		return nil
	}
	return tx.setLinks(ctx, "context_issue_risks", "issue_id", "risk_id", orgID, is.ID, is.RiskIDs)
}

const partyColumns = `id, ref, name, kind, description, requirements, owner_id, archived_at, version, created_at, updated_at`

func scanParty(row interface{ Scan(...any) error }) (*Party, error) {
	var p Party
	var owner sql.NullString
	var archived sql.NullTime
	var reqs string
	err := row.Scan(&p.ID, &p.Ref, &p.Name, &p.Kind, &p.Description, &reqs, &owner, &archived, &p.Version, &p.CreatedAt, &p.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Interested party not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan interested party: %w", err)
	}
	if err := json.Unmarshal([]byte(reqs), &p.Requirements); err != nil {
		return nil, fmt.Errorf("interested party %s: requirements: %w", p.Ref, err)
	}
	if p.Requirements == nil {
		p.Requirements = []Requirement{}
	}
	p.Count()
	p.OwnerID, p.ArchivedAt = sqlstore.StrPtr(owner), sqlstore.TimePtr(archived)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	p.ObligationIDs, p.ControlIDs = []string{}, []string{}
	return &p, nil
}

func requirementsJSON(rs []Requirement) string {
	if rs == nil {
		rs = []Requirement{}
	}
	b, _ := json.Marshal(rs)
	return string(b)
}

// PartyFilter narrows the list of interested parties. Limit 0 with no cursor lists them all.
type PartyFilter struct {
	IncludeArchived bool
	Limit           int
	Cursor          string // the previous page's next cursor
	only            string // one party, by id or ref
}

// parties reads a page of orgID's interested parties with their links, in reference order, and the
// cursor of the next page.
func (tx store) parties(ctx context.Context, orgID string, f PartyFilter) ([]*Party, string, error) {
	k, err := sqlstore.NewKeysetOrAll("ref", f.Cursor, f.Limit, refOrder, "ref", "id")
	if err != nil {
		return nil, "", err
	}
	q, args := `SELECT `+partyColumns+` FROM interested_parties WHERE org_id = ?`, []any{orgID}
	if !f.IncludeArchived {
		q += ` AND archived_at IS NULL`
	}
	if f.only != "" {
		q, args = q+` AND (id = ? OR ref = ?)`, append(args, f.only, strings.ToUpper(f.only))
	}
	q, args = k.Apply(q, args, "id", "ref_number, id")
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("interested parties: %w", err)
	}
	out := []*Party{}
	for rows.Next() {
		p, err := scanParty(rows)
		if err != nil {
			rows.Close()
			return nil, "", err
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := sqlstore.Cut(k, out, func(p *Party) (string, any) { return p.ID, bulwark.ParseRefNumber(PartyRefPrefix, p.Ref) })
	if len(out) == 0 {
		return out, next, nil
	}
	by := make(map[string]*Party, len(out))
	for _, p := range out {
		by[p.ID] = p
	}
	in, list := tx.InList("party_id", idList(out, func(p *Party) string { return p.ID }))
	if err := tx.links(ctx, `SELECT party_id, obligation_id FROM interested_party_obligations WHERE org_id = ? AND `+in+` ORDER BY obligation_id`, orgID, func(id, link string) {
		if p := by[id]; p != nil {
			p.ObligationIDs = append(p.ObligationIDs, link)
		}
	}, list); err != nil {
		return nil, "", err
	}
	err = tx.links(ctx, `SELECT party_id, control_id FROM interested_party_controls WHERE org_id = ? AND `+in+` ORDER BY control_id`, orgID, func(id, link string) {
		if p := by[id]; p != nil {
			p.ControlIDs = append(p.ControlIDs, link)
		}
	}, list)
	return out, next, err
}

// party reads one interested party by id or ref.
func (tx store) party(ctx context.Context, orgID, id string) (*Party, error) {
	ps, _, err := tx.parties(ctx, orgID, PartyFilter{IncludeArchived: true, only: id})
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Interested party not found.")
	}
	return ps[0], nil
}

func (tx store) insertParty(ctx context.Context, orgID string, p *Party) error {
	num, err := tx.NextRef(ctx, orgID, PartyRefPrefix)
	if err != nil {
		return err
	}
	now := tx.Now()
	p.ID, p.Ref, p.Version, p.CreatedAt, p.UpdatedAt = sqlstore.NewID(), bulwark.FormatRef(PartyRefPrefix, num), 1, now, now
	if _, err := tx.Exec(ctx, `INSERT INTO interested_parties (id, org_id, ref, ref_number, name, kind, description, requirements, owner_id, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, p.ID, orgID, p.Ref, num, p.Name, p.Kind, p.Description, requirementsJSON(p.Requirements), p.OwnerID, now, now); err != nil {
		return fmt.Errorf("store interested party: %w", err)
	}
	if err := tx.setLinks(ctx, "interested_party_obligations", "party_id", "obligation_id", orgID, p.ID, p.ObligationIDs); err != nil {
		return err
	}
	return tx.setLinks(ctx, "interested_party_controls", "party_id", "control_id", orgID, p.ID, p.ControlIDs)
}

func (tx store) updateParty(ctx context.Context, orgID string, p *Party, links bool) error {
	p.Version++
	p.UpdatedAt = tx.Now()
	res, err := tx.Exec(ctx, `UPDATE interested_parties SET name = ?, kind = ?, description = ?, requirements = ?, owner_id = ?, archived_at = ?, version = ?, updated_at = ?
		WHERE org_id = ? AND id = ? AND version = ?`, p.Name, p.Kind, p.Description, requirementsJSON(p.Requirements), p.OwnerID, sqlstore.NullTime(p.ArchivedAt),
		p.Version, p.UpdatedAt, orgID, p.ID, p.Version-1)
	if err != nil {
		return fmt.Errorf("update interested party: %w", err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return bulwark.Errorf(bulwark.ECONFLICT, "%s changed meanwhile: reload and try again.", p.Ref)
	}
	if !links {
		return nil
	}
	if err := tx.setLinks(ctx, "interested_party_obligations", "party_id", "obligation_id", orgID, p.ID, p.ObligationIDs); err != nil {
		return err
	}
	return tx.setLinks(ctx, "interested_party_controls", "party_id", "control_id", orgID, p.ID, p.ControlIDs)
}

// content is how the statement's text is kept: everything but its state.
type content struct {
	Summary      string      `json:"summary"`
	OrgUnits     []Boundary  `json:"org_units"`
	Locations    []Boundary  `json:"locations"`
	Processes    []Boundary  `json:"processes"`
	Systems      []Boundary  `json:"systems"`
	Interfaces   []string    `json:"interfaces"`
	Dependencies []string    `json:"dependencies"`
	Exclusions   []Exclusion `json:"exclusions"`
}

func contentOf(s *Scope) string {
	c := content{Summary: s.Summary, OrgUnits: s.OrgUnits, Locations: s.Locations, Processes: s.Processes, Systems: s.Systems,
		Interfaces: s.Interfaces, Dependencies: s.Dependencies, Exclusions: s.Exclusions}
	for _, l := range []*[]Boundary{&c.OrgUnits, &c.Locations, &c.Processes, &c.Systems} {
		kept := make([]Boundary, len(*l))
		for i, b := range *l {
			kept[i] = Boundary{Name: b.Name, AssetID: b.AssetID} // the ref is read from the register each time
		}
		*l = kept
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// emptyScope is the statement before anyone writes it.
func emptyScope() *Scope {
	s := &Scope{Status: StatusDraft}
	s.Normalise()
	return s
}

// scope reads orgID's live statement (empty, version 0, when never saved) with the asset refs of its links and
// its last approval.
func (tx store) scope(ctx context.Context, orgID string) (*Scope, error) {
	s := emptyScope()
	var doc string
	var updatedBy, submittedBy sql.NullString
	var submittedAt sql.NullTime
	var updatedAt time.Time
	err := tx.QueryRow(ctx, `SELECT content, status, updated_by, submitted_by, submitted_at, version, updated_at FROM scope_statements WHERE org_id = ?`, orgID).
		Scan(&doc, &s.Status, &updatedBy, &submittedBy, &submittedAt, &s.Version, &updatedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("read the scope: %w", err)
	default:
		var c content
		if err := json.Unmarshal([]byte(doc), &c); err != nil {
			return nil, fmt.Errorf("the scope's content: %w", err)
		}
		s.Summary, s.OrgUnits, s.Locations, s.Processes, s.Systems = c.Summary, c.OrgUnits, c.Locations, c.Processes, c.Systems
		s.Interfaces, s.Dependencies, s.Exclusions = c.Interfaces, c.Dependencies, c.Exclusions
		s.Normalise()
		t := updatedAt.UTC()
		s.UpdatedBy, s.SubmittedBy, s.SubmittedAt, s.UpdatedAt = sqlstore.StrPtr(updatedBy), sqlstore.StrPtr(submittedBy), sqlstore.TimePtr(submittedAt), &t
	}
	if err := tx.assetRefs(ctx, orgID, s); err != nil {
		return nil, err
	}
	n, err := tx.lastRevision(ctx, orgID)
	if err != nil || n == 0 {
		return s, err
	}
	last, err := tx.revision(ctx, orgID, n)
	if err != nil {
		return nil, err
	}
	s.Revision, s.ApprovedBy, s.ApproverName, s.ApprovedAt = &n, last.ApprovedBy, last.ApproverName, last.ApprovedAt
	return s, nil
}

// assetRefs fills the refs of the assets s links, checking each is orgID's: an asset that is not is a 422
// naming the item.
func (tx store) assetRefs(ctx context.Context, orgID string, s *Scope) error {
	ids := s.AssetIDs()
	if len(ids) == 0 {
		return nil
	}
	in, list := tx.InList("id", ids)
	refs := map[string][2]string{}
	rows, err := tx.Query(ctx, `SELECT id, ref, name FROM assets WHERE org_id = ? AND `+in, orgID, list)
	if err != nil {
		return fmt.Errorf("scope assets: %w", err)
	}
	for rows.Next() {
		var id, ref, name string
		if err := rows.Scan(&id, &ref, &name); err != nil {
			rows.Close()
			return err
		}
		refs[id] = [2]string{ref, name}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var v bulwark.Validation
	for _, l := range BoundaryLists {
		bs := *s.Boundaries(l)
		for i := range bs {
			if bs[i].AssetID == nil {
				continue
			}
			a, ok := refs[*bs[i].AssetID]
			if !ok {
				v.Add(fmt.Sprintf("%s[%d].asset_id", l, i), "names an asset that is not this organisation's")
				continue
			}
			bs[i].AssetRef = a[0]
			if bs[i].Name == "" {
				bs[i].Name = a[1]
			}
		}
	}
	return v.Err()
}

// saveScope writes the live statement: created at version 1, or updated from version expect.
func (tx store) saveScope(ctx context.Context, orgID string, s *Scope) error {
	now := tx.Now()
	s.UpdatedAt = &now
	if s.Version == 0 {
		s.Version = 1
		if _, err := tx.Exec(ctx, `INSERT INTO scope_statements (org_id, content, status, updated_by, submitted_by, submitted_at, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)`, orgID, contentOf(s), s.Status, s.UpdatedBy, s.SubmittedBy, sqlstore.NullTime(s.SubmittedAt), now, now); err != nil {
			if sqlstore.IsUniqueViolation(err) {
				return bulwark.Errorf(bulwark.ECONFLICT, "Someone else saved the scope meanwhile: reload and try again.")
			}
			return fmt.Errorf("store the scope: %w", err)
		}
	} else {
		s.Version++
		res, err := tx.Exec(ctx, `UPDATE scope_statements SET content = ?, status = ?, updated_by = ?, submitted_by = ?, submitted_at = ?, version = ?, updated_at = ?
			WHERE org_id = ? AND version = ?`, contentOf(s), s.Status, s.UpdatedBy, s.SubmittedBy, sqlstore.NullTime(s.SubmittedAt), s.Version, now, orgID, s.Version-1)
		if err != nil {
			return fmt.Errorf("update the scope: %w", err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return bulwark.Errorf(bulwark.ECONFLICT, "The scope changed meanwhile: reload and try again.")
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM scope_assets WHERE org_id = ?`, orgID); err != nil {
		return fmt.Errorf("clear scope assets: %w", err)
	}
	for _, id := range s.AssetIDs() {
		if _, err := tx.Exec(ctx, `INSERT INTO scope_assets (org_id, asset_id) VALUES (?, ?)`, orgID, id); err != nil {
			return fmt.Errorf("link scope asset: %w", err)
		}
	}
	return nil
}

// insertRevision keeps statement s as approved revision n.
func (tx store) insertRevision(ctx context.Context, orgID string, n int, s *Scope) error {
	doc, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO scope_revisions (org_id, revision, submitted_by, submitted_at, approved_by, approved_at, document) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		orgID, n, s.SubmittedBy, sqlstore.NullTime(s.SubmittedAt), s.ApprovedBy, sqlstore.NullTime(s.ApprovedAt), string(doc))
	if sqlstore.IsUniqueViolation(err) {
		return bulwark.Errorf(bulwark.ECONFLICT, "Revision %d of the scope was approved by someone else meanwhile; reload.", n)
	}
	if err != nil {
		return fmt.Errorf("store scope revision %d: %w", n, err)
	}
	return nil
}

// lastRevision is the number of orgID's last approved revision, 0 when none.
func (tx store) lastRevision(ctx context.Context, orgID string) (int, error) {
	var n sql.NullInt64
	if err := tx.QueryRow(ctx, `SELECT MAX(revision) FROM scope_revisions WHERE org_id = ?`, orgID).Scan(&n); err != nil {
		return 0, fmt.Errorf("last scope revision: %w", err)
	}
	return int(n.Int64), nil
}

// revision reads approved revision n of orgID's statement as it was approved.
func (tx store) revision(ctx context.Context, orgID string, n int) (*Scope, error) {
	var doc string
	err := tx.QueryRow(ctx, `SELECT document FROM scope_revisions WHERE org_id = ? AND revision = ?`, orgID, n).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "The scope has no approved revision %d.", n)
	}
	if err != nil {
		return nil, fmt.Errorf("read scope revision %d: %w", n, err)
	}
	var s Scope
	if err := json.Unmarshal([]byte(doc), &s); err != nil {
		return nil, fmt.Errorf("scope revision %d: %w", n, err)
	}
	s.Normalise()
	return &s, nil
}

// revisions lists orgID's approved revisions, newest first.
func (tx store) revisions(ctx context.Context, orgID string) ([]Revision, error) {
	rows, err := tx.Query(ctx, `SELECT revision, approved_by, approved_at, submitted_by, submitted_at, document FROM scope_revisions WHERE org_id = ? ORDER BY revision DESC`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list scope revisions: %w", err)
	}
	defer rows.Close()
	out := []Revision{}
	for rows.Next() {
		var r Revision
		var by sql.NullString
		var at sql.NullTime
		var doc string
		if err := rows.Scan(&r.Revision, &r.ApprovedBy, &r.ApprovedAt, &by, &at, &doc); err != nil {
			return nil, err
		}
		var s Scope
		if err := json.Unmarshal([]byte(doc), &s); err != nil {
			return nil, fmt.Errorf("scope revision %d: %w", r.Revision, err)
		}
		r.ApprovedAt = r.ApprovedAt.UTC()
		r.SubmittedBy, r.SubmittedAt = sqlstore.StrPtr(by), sqlstore.TimePtr(at)
		r.ApproverName, r.Exclusions = s.ApproverName, len(s.Exclusions)
		out = append(out, r)
	}
	return out, rows.Err()
}

// checkIDs returns a 422 naming fieldName unless every id is a row of orgID in table.
func (tx store) checkIDs(ctx context.Context, orgID, table, fieldName, what string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	in, list := tx.InList("id", ids)
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE org_id = ? AND `+in, orgID, list).Scan(&n); err != nil {
		return fmt.Errorf("check %s: %w", fieldName, err)
	}
	if n != len(ids) {
		return bulwark.Invalid(fieldName, "names "+what+" that is not this organisation's")
	}
	return nil
}

// refs returns the refs of orgID's rows of table among ids, by id.
func (tx store) refs(ctx context.Context, orgID, table string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	in, list := tx.InList("id", ids)
	err := tx.links(ctx, `SELECT id, ref FROM `+table+` WHERE org_id = ? AND `+in, orgID, func(id, ref string) { out[id] = ref }, list)
	return out, err
}

// idsOf resolves refs of orgID's rows of table to their ids; an unknown ref is a 422 naming fieldName.
func (tx store) idsOf(ctx context.Context, orgID, table, fieldName string, refs []string) ([]string, error) {
	out := []string{}
	if len(refs) == 0 {
		return out, nil
	}
	up := make([]string, len(refs))
	for i, r := range refs {
		up[i] = strings.ToUpper(r)
	}
	in, list := tx.InList("ref", up)
	byRef := map[string]string{}
	if err := tx.links(ctx, `SELECT ref, id FROM `+table+` WHERE org_id = ? AND `+in, orgID, func(ref, id string) { byRef[ref] = id }, list); err != nil {
		return nil, err
	}
	var missing []string
	for _, r := range up {
		if id, ok := byRef[r]; ok {
			out = append(out, id)
		} else {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return nil, bulwark.Invalid(fieldName, "no such reference: "+strings.Join(missing, ", "))
	}
	return out, nil
}
