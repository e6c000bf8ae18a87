package documents

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

const docColumns = `d.id, d.ref, d.type, d.title, d.body, d.owner_id, d.classification, d.review_months, d.next_review_date, d.status,
	d.published_major, d.published_minor, d.file_sha256, d.file_name, d.file_type, d.file_size, d.authors, d.submitted_by, d.submitted_at,
	d.approved_by, d.approved_at, d.return_comment, d.template_id, d.version, d.created_at, d.updated_at, d.archived_at, d.ref_number`

func scanDocument(row interface{ Scan(...any) error }) (*Document, int, error) {
	var d Document
	var owner, review, sha, subBy, appBy sql.NullString
	var major, minor sql.NullInt64
	var subAt, appAt, archived sql.NullTime
	var authors string
	var num int
	err := row.Scan(&d.ID, &d.Ref, &d.Type, &d.Title, &d.Body, &owner, &d.Classification, &d.ReviewMonths, &review, &d.Status,
		&major, &minor, &sha, &d.Filename, &d.ContentType, &d.Size, &authors, &subBy, &subAt, &appBy, &appAt, &d.ReturnComment, &d.TemplateID,
		&d.Version, &d.CreatedAt, &d.UpdatedAt, &archived, &num)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, bulwark.Errorf(bulwark.ENOTFOUND, "Document not found.")
	} else if err != nil {
		return nil, 0, fmt.Errorf("scan document: %w", err)
	}
	d.OwnerID, d.NextReviewDate, d.SHA256, d.SubmittedBy, d.ApprovedBy = sqlstore.StrPtr(owner), sqlstore.StrPtr(review), sqlstore.StrPtr(sha), sqlstore.StrPtr(subBy), sqlstore.StrPtr(appBy)
	d.SubmittedAt, d.ApprovedAt, d.ArchivedAt = utcPtr(sqlstore.TimePtr(subAt)), utcPtr(sqlstore.TimePtr(appAt)), utcPtr(sqlstore.TimePtr(archived))
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	if major.Valid {
		ma, mi := int(major.Int64), int(minor.Int64)
		d.major, d.minor = &ma, &mi
		r := RevisionLabel(ma, mi)
		d.PublishedRevision, d.Revision = &r, &r
	}
	d.Authors = splitIDs(authors)
	d.ControlIDs, d.RequirementIDs = []string{}, []string{}
	return &d, num, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func splitIDs(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, " | ") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// InsertDocument stores a new document; an empty Ref gets the next number of its type's prefix.
func (tx store) InsertDocument(ctx context.Context, orgID, createdBy string, d *Document) error {
	prefix := Prefixes[d.Type]
	num := bulwark.ParseRefNumber(prefix, d.Ref)
	if d.Ref == "" {
		n, err := tx.NextRef(ctx, orgID, prefix)
		if err != nil {
			return err
		}
		num, d.Ref = n, bulwark.FormatRef(prefix, n)
	} else if num > 0 {
		if err := tx.BumpRef(ctx, orgID, prefix, num); err != nil {
			return err
		}
	}
	d.ID = sqlstore.NewID()
	d.CreatedAt, d.UpdatedAt, d.Version = tx.Now(), tx.Now(), 1
	var creator *string
	if createdBy != "" {
		creator = &createdBy
	}
	_, err := tx.Exec(ctx, `INSERT INTO documents (id, org_id, ref, ref_number, type, title, body, owner_id, classification, review_months, next_review_date,
		status, authors, template_id, created_by, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		d.ID, orgID, d.Ref, num, d.Type, d.Title, d.Body, d.OwnerID, d.Classification, d.ReviewMonths, d.NextReviewDate, d.Status,
		strings.Join(d.Authors, " | "), d.TemplateID, creator, tx.Now(), tx.Now())
	if sqlstore.IsUniqueViolation(err) {
		return bulwark.Errorf(bulwark.ECONFLICT, "A document with the reference %s already exists.", d.Ref)
	}
	if err != nil {
		return fmt.Errorf("insert document: %w", err)
	}
	return tx.setLinks(ctx, orgID, d, true)
}

// setLinks replaces a document's control and requirement links (fresh: it has none yet).
func (tx store) setLinks(ctx context.Context, orgID string, d *Document, fresh bool) error {
	if !fresh {
		for _, t := range []string{"document_controls", "document_requirements"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+t+` WHERE org_id = ? AND document_id = ?`, orgID, d.ID); err != nil {
				return fmt.Errorf("document links: %w", err)
			}
		}
	}
	for _, id := range d.ControlIDs {
		if _, err := tx.Exec(ctx, `INSERT INTO document_controls (org_id, document_id, control_id) VALUES (?, ?, ?)`, orgID, d.ID, id); err != nil {
			return fmt.Errorf("document controls: %w", err)
		}
	}
	for _, id := range d.RequirementIDs {
		if _, err := tx.Exec(ctx, `INSERT INTO document_requirements (org_id, document_id, requirement_id) VALUES (?, ?, ?)`, orgID, d.ID, id); err != nil {
			return fmt.Errorf("document requirements: %w", err)
		}
	}
	return nil
}

// UpdateDocument writes every field of d if its version is still d.Version.
func (tx store) UpdateDocument(ctx context.Context, orgID string, d *Document, linksChanged bool) error {
	res, err := tx.Exec(ctx, `UPDATE documents SET type = ?, title = ?, body = ?, owner_id = ?, classification = ?, review_months = ?, next_review_date = ?,
		status = ?, published_major = ?, published_minor = ?, file_sha256 = ?, file_name = ?, file_type = ?, file_size = ?, authors = ?,
		submitted_by = ?, submitted_at = ?, approved_by = ?, approved_at = ?, return_comment = ?, archived_at = ?, version = version + 1, updated_at = ?
		WHERE org_id = ? AND id = ? AND version = ?`,
		d.Type, d.Title, d.Body, d.OwnerID, d.Classification, d.ReviewMonths, d.NextReviewDate, d.Status, d.major, d.minor,
		d.SHA256, d.Filename, d.ContentType, d.Size, strings.Join(d.Authors, " | "), d.SubmittedBy, sqlstore.NullTime(d.SubmittedAt),
		d.ApprovedBy, sqlstore.NullTime(d.ApprovedAt), d.ReturnComment, sqlstore.NullTime(d.ArchivedAt), tx.Now(), orgID, d.ID, d.Version)
	if err != nil {
		return fmt.Errorf("update document: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The document was changed by someone else; reload and try again.")
	}
	d.Version++
	d.UpdatedAt = tx.Now()
	if linksChanged {
		return tx.setLinks(ctx, orgID, d, false)
	}
	return nil
}

// Document returns document id of orgID (archived too) with its links, or ENOTFOUND.
func (tx store) Document(ctx context.Context, orgID, id string) (*Document, error) {
	d, _, err := scanDocument(tx.QueryRow(ctx, `SELECT `+docColumns+` FROM documents d WHERE d.org_id = ? AND (d.id = ? OR d.ref = ?)`, orgID, id, strings.ToUpper(id)))
	if err != nil {
		return nil, err
	}
	return d, tx.fillLinks(ctx, orgID, []*Document{d})
}

// fillLinks reads the control and requirement links of ds in two queries.
func (tx store) fillLinks(ctx context.Context, orgID string, ds []*Document) error {
	if len(ds) == 0 {
		return nil
	}
	byID := map[string]*Document{}
	ids := make([]string, 0, len(ds))
	for _, d := range ds {
		byID[d.ID] = d
		ids = append(ids, d.ID)
	}
	for _, q := range []struct {
		sql string
		dst func(d *Document, id string)
	}{
		{`SELECT l.document_id, l.control_id FROM document_controls l JOIN controls c ON c.org_id = l.org_id AND c.id = l.control_id WHERE l.org_id = ? AND %s ORDER BY c.sort_order`,
			func(d *Document, id string) { d.ControlIDs = append(d.ControlIDs, id) }},
		{`SELECT l.document_id, l.requirement_id FROM document_requirements l WHERE l.org_id = ? AND %s ORDER BY l.requirement_id`,
			func(d *Document, id string) { d.RequirementIDs = append(d.RequirementIDs, id) }},
	} {
		in, list := tx.InList("l.document_id", ids)
		rows, err := tx.Query(ctx, fmt.Sprintf(q.sql, in), orgID, list)
		if err != nil {
			return fmt.Errorf("document links: %w", err)
		}
		for rows.Next() {
			var did, id string
			if err := rows.Scan(&did, &id); err != nil {
				rows.Close()
				return err
			}
			q.dst(byID[did], id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// DocumentFilter selects and orders documents.
type DocumentFilter struct {
	Q               string
	Type            string
	Status          string
	OwnerID         string
	ControlID       string
	Published       *bool
	ReviewDue       string // next_review_date <= this date
	IncludeArchived bool
	Sort            string
	Cursor          string
	Limit           int
}

var docSortFields = map[string]sqlstore.SortField{
	"ref": {Expr: "d.ref", Kind: 's'}, "title": {Expr: "d.title", Kind: 's'}, "type": {Expr: "d.type", Kind: 's'}, "status": {Expr: "d.status", Kind: 's'},
	"next_review_date": {Expr: "COALESCE(d.next_review_date, '')", Kind: 's'}, "updated_at": {Expr: "d.updated_at", Kind: 't'}, "created_at": {Expr: "d.created_at", Kind: 't'},
}

// Documents lists one page of orgID's documents and the cursor of the next page.
func (tx store) Documents(ctx context.Context, orgID string, f DocumentFilter) ([]*Document, string, error) {
	var where strings.Builder
	args := []any{orgID}
	where.WriteString(` WHERE d.org_id = ?`)
	add := func(cond string, vs ...any) {
		where.WriteString(" AND " + cond)
		args = append(args, vs...)
	}
	if !f.IncludeArchived {
		add("d.archived_at IS NULL")
	}
	for _, c := range []struct{ col, v string }{{"d.type", f.Type}, {"d.status", f.Status}, {"d.owner_id", f.OwnerID}} {
		if c.v != "" {
			add(c.col+" = ?", c.v)
		}
	}
	if f.ControlID != "" {
		add("d.id IN (SELECT document_id FROM document_controls WHERE org_id = ? AND control_id = ?)", orgID, f.ControlID)
	}
	if f.Published != nil {
		if *f.Published {
			add("d.published_major IS NOT NULL")
		} else {
			add("d.published_major IS NULL")
		}
	}
	if f.ReviewDue != "" {
		add("d.next_review_date <= ?", f.ReviewDue)
	}
	if strings.TrimSpace(f.Q) != "" {
		cond, arg, ok := fullText(tx, f.Q)
		if !ok {
			add("1 = 0")
		} else {
			add(cond, arg)
		}
	}
	k, err := sqlstore.NewKeyset(f.Sort, f.Cursor, f.Limit, docSortFields, "ref", "d.id")
	if err != nil {
		return nil, "", err
	}
	if k.Cond != "" {
		add(k.Cond, k.Args...)
	}
	order, args := k.OrderLimit("d.id", args)
	rows, err := tx.Query(ctx, `SELECT `+docColumns+` FROM documents d`+where.String()+order, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list documents: %w", err)
	}
	defer rows.Close()
	var out []*Document
	for rows.Next() {
		d, _, err := scanDocument(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > k.Limit {
		out = out[:k.Limit]
		last := out[k.Limit-1]
		review := ""
		if last.NextReviewDate != nil {
			review = *last.NextReviewDate
		}
		next = k.Next(last.ID, map[string]any{"ref": last.Ref, "title": last.Title, "type": last.Type, "status": last.Status,
			"next_review_date": review, "updated_at": last.UpdatedAt, "created_at": last.CreatedAt}[k.Field])
	}
	return out, next, tx.fillLinks(ctx, orgID, out)
}

const revisionColumns = `r.major, r.minor, r.type, r.title, r.body, r.classification, r.file_sha256, r.file_name, r.file_type, r.file_size,
	r.change_summary, r.authors, r.approved_by, r.approved_at, r.published_by, r.published_at`

func scanRevision(row interface{ Scan(...any) error }) (*Revision, error) {
	var r Revision
	var sha sql.NullString
	var authors string
	err := row.Scan(&r.Major, &r.Minor, &r.Type, &r.Title, &r.Body, &r.Classification, &sha, &r.Filename, &r.ContentType, &r.Size,
		&r.ChangeSummary, &authors, &r.ApprovedBy, &r.ApprovedAt, &r.PublishedBy, &r.PublishedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Revision not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan revision: %w", err)
	}
	r.SHA256, r.Authors = sqlstore.StrPtr(sha), splitIDs(authors)
	r.Revision = RevisionLabel(r.Major, r.Minor)
	r.ApprovedAt, r.PublishedAt = r.ApprovedAt.UTC(), r.PublishedAt.UTC()
	return &r, nil
}

// InsertRevision stores a published revision of document docID.
func (tx store) InsertRevision(ctx context.Context, orgID, docID string, r *Revision) error {
	_, err := tx.Exec(ctx, `INSERT INTO document_revisions (org_id, document_id, major, minor, type, title, body, classification, file_sha256, file_name,
		file_type, file_size, change_summary, authors, approved_by, approved_at, published_by, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, docID, r.Major, r.Minor, r.Type, r.Title, r.Body, r.Classification, r.SHA256, r.Filename, r.ContentType, r.Size,
		r.ChangeSummary, strings.Join(r.Authors, " | "), r.ApprovedBy, r.ApprovedAt, r.PublishedBy, r.PublishedAt)
	if sqlstore.IsUniqueViolation(err) {
		return bulwark.Errorf(bulwark.ECONFLICT, "Revision %s of this document already exists.", r.Revision)
	}
	if err != nil {
		return fmt.Errorf("insert revision: %w", err)
	}
	return nil
}

// Revisions lists a document's published revisions, newest first (bodies included).
func (tx store) Revisions(ctx context.Context, orgID, docID string) ([]*Revision, error) {
	rows, err := tx.Query(ctx, `SELECT `+revisionColumns+` FROM document_revisions r WHERE r.org_id = ? AND r.document_id = ? ORDER BY r.major DESC, r.minor DESC`, orgID, docID)
	if err != nil {
		return nil, fmt.Errorf("revisions: %w", err)
	}
	defer rows.Close()
	out := []*Revision{}
	for rows.Next() {
		r, err := scanRevision(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Revision returns revision major.minor of a document, or ENOTFOUND.
func (tx store) Revision(ctx context.Context, orgID, docID string, major, minor int) (*Revision, error) {
	return scanRevision(tx.QueryRow(ctx, `SELECT `+revisionColumns+` FROM document_revisions r WHERE r.org_id = ? AND r.document_id = ? AND r.major = ? AND r.minor = ?`,
		orgID, docID, major, minor))
}

// PutFile stores content under its SHA-256 within orgID (once).
func (tx store) PutFile(ctx context.Context, orgID, sha string, content []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO document_files (org_id, sha256, content) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, orgID, sha, content)
	if err != nil {
		return fmt.Errorf("store document file: %w", err)
	}
	return nil
}

// File returns the content stored under sha in orgID.
func (tx store) File(ctx context.Context, orgID, sha string) ([]byte, error) {
	var b []byte
	err := tx.QueryRow(ctx, `SELECT content FROM document_files WHERE org_id = ? AND sha256 = ?`, orgID, sha).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "File not found.")
	}
	return b, err
}

// SearchSpec is how documents are searched: ref and title weigh more than the body.
var SearchSpec = sqlstore.FullTextSpec{Type: "document", Table: "documents", FTS: "documents_fts", Weights: "10, 5, 1", Title: "title",
	PGVector: `search_vector`,
	PGText:   `t.body`, Live: `t.archived_at IS NULL`}

func fullText(tx store, q string) (string, any, bool) { return tx.FullText(SearchSpec, "d", q) }
