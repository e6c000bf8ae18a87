package documents

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/catalog"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Service is the document register's operations (7.5): each checks the
// principal's permission, stays inside its organisation and writes its audit
// entry in the same transaction as the change.
type Service struct {
	*app.Service
	Library *Library
}

// New returns the document area's service over the kernel's.
func New(k *app.Service) *Service {
	lib, err := LoadLibrary()
	if err != nil {
		panic(err) // the embedded templates are part of the build; TestTemplates reads them all
	}
	// The daily outbox tells owners of published documents whose review falls due within a week, or is overdue.
	k.AddDue(app.DueFromQuery("document_review_due", "/policies/%s", `SELECT owner_id, id, ref, title, next_review_date FROM documents
		WHERE org_id = ? AND owner_id IS NOT NULL AND published_major IS NOT NULL AND status <> 'retired' AND archived_at IS NULL
		AND next_review_date IS NOT NULL AND next_review_date <= ?`))
	return &Service{Service: k, Library: lib}
}

// store is a transaction seen from the document area.
type store struct{ *sqlstore.Tx }

func (s *Service) write(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Write(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

func (s *Service) read(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Read(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

func (s *Service) view(ctx context.Context, fn func(tx store) error) error {
	return s.DB.View(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

// Input lists what a person may set on a document; nil fields stay as they are.
type Input struct {
	Ref, Type, Title, Body, Classification *string
	OwnerID, NextReviewDate                **string
	ReviewMonths                           *int
	ControlIDs, RequirementIDs             *[]string
	TemplateID, Scope                      *string
}

// contentFields are the fields whose change makes a new working copy to approve.
var contentFields = []string{"type", "title", "body", "classification", "file"}

// apply copies the given fields onto d and returns what changed.
func (in Input) apply(d *Document) bulwark.Changes {
	ch := bulwark.Changes{}
	if in.Type != nil {
		t := strings.ToLower(strings.TrimSpace(*in.Type))
		app.Set(ch, "type", &d.Type, &t)
	}
	if in.Title != nil {
		t := strings.TrimSpace(*in.Title)
		app.Set(ch, "title", &d.Title, &t)
	}
	if in.Body != nil {
		b := strings.ReplaceAll(*in.Body, "\r\n", "\n") // a browser's textarea sends CRLF: the same text, not a change
		in.Body = &b
	}
	if in.Body != nil && *in.Body != d.Body {
		// The body can be long: the audit log records that it changed and its size, not the text twice.
		ch["body"] = bulwark.Change{Before: fmt.Sprintf("%d characters", len(d.Body)), After: fmt.Sprintf("%d characters", len(*in.Body))}
		d.Body = *in.Body
	}
	if in.Classification != nil {
		c := strings.TrimSpace(*in.Classification)
		app.Set(ch, "classification", &d.Classification, &c)
	}
	app.SetOpt(ch, "owner_id", &d.OwnerID, in.OwnerID)
	app.SetOpt(ch, "next_review_date", &d.NextReviewDate, in.NextReviewDate)
	app.Set(ch, "review_months", &d.ReviewMonths, in.ReviewMonths)
	for _, l := range []struct {
		name string
		dst  *[]string
		in   *[]string
	}{{"control_ids", &d.ControlIDs, in.ControlIDs}, {"requirement_ids", &d.RequirementIDs, in.RequirementIDs}} {
		if l.in == nil {
			continue
		}
		ids := uniq(*l.in)
		cur := slices.Clone(*l.dst)
		slices.Sort(cur)
		if !slices.Equal(ids, cur) {
			ch[l.name] = bulwark.Change{Before: cur, After: ids}
			*l.dst = ids
		}
	}
	return ch
}

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

func matchClassification(scheme []string, c string) string {
	for _, s := range scheme {
		if strings.EqualFold(s, c) {
			return s
		}
	}
	return c
}

// validate checks d and that what it links to is the organisation's.
func validate(ctx context.Context, tx store, orgID string, d, before *Document) error {
	scheme, err := tx.Classifications(ctx, orgID)
	if err != nil {
		return err
	}
	d.Classification = matchClassification(scheme, d.Classification)
	if err := d.Validate(scheme); err != nil {
		return err
	}
	if before == nil || !app.EqPtr(d.OwnerID, before.OwnerID) {
		if err := app.CheckMember(ctx, tx.Tx, orgID, "owner_id", d.OwnerID); err != nil {
			return err
		}
	}
	if len(d.ControlIDs) > 0 {
		in, list := tx.InList("id", d.ControlIDs)
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM controls WHERE org_id = ? AND `+in, orgID, list).Scan(&n); err != nil {
			return fmt.Errorf("check controls: %w", err)
		}
		if n != len(d.ControlIDs) {
			return bulwark.Invalid("control_ids", "names a control that is not this organisation's")
		}
	}
	if len(d.RequirementIDs) > 0 {
		in, list := tx.InList("id", d.RequirementIDs)
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM requirements WHERE `+in, list).Scan(&n); err != nil {
			return fmt.Errorf("check requirements: %w", err)
		}
		if n != len(d.RequirementIDs) {
			return bulwark.Invalid("requirement_ids", "names a requirement that is not in the catalog (ids look like iso27001-2022:5.2)")
		}
	}
	return nil
}

// addAuthor records memberID as an author of the working copy.
func addAuthor(d *Document, memberID string) {
	if memberID != "" && !slices.Contains(d.Authors, memberID) {
		d.Authors = append(d.Authors, memberID)
	}
}

// addMonths returns the date months after day (YYYY-MM-DD), clamped to the month's end.
func addMonths(day string, months int) string {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return day
	}
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), 0, 0, 0, 0, time.UTC).Format("2006-01-02")
}

// inSoA says whether d shows in the Statement of Applicability: published,
// current, and linked to controls (the SoA lists its ref against them).
func inSoA(d *Document) bool {
	return d.PublishedRevision != nil && d.Status != Retired && d.ArchivedAt == nil && len(d.ControlIDs) > 0
}

// soaTouched puts the SoA back to draft when what it shows of d changed: it
// appeared, disappeared, or moved between controls.
func soaTouched(ctx context.Context, tx store, p *bulwark.Principal, before, after *Document) error {
	was, is := inSoA(before), inSoA(after)
	if was == is && (!is || slices.Equal(before.ControlIDs, after.ControlIDs)) {
		return nil
	}
	return controls.SoAChanged(ctx, tx.Tx, p)
}

// Create adds a document in draft, owned by its creator unless another owner is
// given; from a template, its text is filled with the organisation's details.
func (s *Service) Create(ctx context.Context, p *bulwark.Principal, in Input) (*Document, error) {
	if err := app.Require(p, bulwark.PermISMSCreate); err != nil {
		return nil, err
	}
	d := &Document{Type: "policy", Status: Draft, ReviewMonths: 12, Authors: []string{}, ControlIDs: []string{}, RequirementIDs: []string{}}
	if p.MemberID != "" {
		owner := p.MemberID
		d.OwnerID = &owner
	}
	var tpl *Template
	if id := bulwark.Value(in.TemplateID); strings.TrimSpace(id) != "" {
		if tpl = s.Library.Get(strings.TrimSpace(id)); tpl == nil {
			return nil, bulwark.Invalid("template_id", "is not one of GET /api/v1/document-templates")
		}
		d.TemplateID, d.Type, d.Title, d.ReviewMonths = tpl.ID, tpl.Type, tpl.Title, tpl.ReviewMonths
	} else if in.Scope != nil {
		return nil, bulwark.Invalid("scope", "is only read with template_id")
	}
	ch := in.apply(d)
	if in.Ref != nil && strings.TrimSpace(*in.Ref) != "" {
		d.Ref = strings.ToUpper(strings.TrimSpace(*in.Ref))
		if !bulwark.ValidRef(d.Ref) {
			return nil, bulwark.Invalid("ref", "must look like POL-001: letters and digits, a dash, digits")
		}
	}
	addAuthor(d, p.MemberID)
	err := s.write(ctx, func(tx store) error {
		if tpl != nil {
			if err := s.fromTemplate(ctx, tx, p, d, tpl, in); err != nil {
				return err
			}
			ch["template_id"] = bulwark.Added(tpl.ID)
		}
		if err := validate(ctx, tx, p.Org.ID, d, nil); err != nil {
			return err
		}
		if err := tx.InsertDocument(ctx, p.Org.ID, p.MemberID, d); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "document.create", "document", d.ID, d.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// fromTemplate fills d from tpl: the body with every placeholder replaced, and
// (unless given) the template's controls and clauses as links.
func (s *Service) fromTemplate(ctx context.Context, tx store, p *bulwark.Principal, d *Document, tpl *Template, in Input) error {
	today := bulwark.Today(tx.Now(), p.Org.Settings.TimeZone)
	owner := "the document owner"
	if d.OwnerID != nil {
		var name string
		err := tx.QueryRow(ctx, `SELECT u.name FROM members m JOIN users u ON u.id = m.user_id WHERE m.org_id = ? AND m.id = ?`, p.Org.ID, *d.OwnerID).Scan(&name)
		if err == nil && name != "" {
			owner = name
		}
	}
	scope := strings.TrimSpace(bulwark.Value(in.Scope))
	if scope == "" {
		scope = "all information, systems, people and premises of " + p.Org.Name
	}
	next := addMonths(today, d.ReviewMonths)
	if d.NextReviewDate == nil {
		d.NextReviewDate = &next
	} else {
		next = *d.NextReviewDate
	}
	values := map[string]string{"organisation": p.Org.Name, "owner": owner, "scope": scope, "effective_date": today,
		"next_review_date": next, "review_months": fmt.Sprint(d.ReviewMonths)}
	for k, path := range linkPaths {
		values["link:"+k] = "/o/" + p.Org.Slug + "/" + path
	}
	if in.Body == nil {
		d.Body = Fill(tpl.Body, values)
	}
	if in.ControlIDs == nil && len(tpl.ControlRefs) > 0 {
		in, list := tx.InList("ref", tpl.ControlRefs)
		rows, err := tx.Query(ctx, `SELECT id FROM controls WHERE org_id = ? AND archived_at IS NULL AND `+in+` ORDER BY sort_order`, p.Org.ID, list)
		if err != nil {
			return fmt.Errorf("template controls: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			d.ControlIDs = append(d.ControlIDs, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	if in.RequirementIDs == nil {
		for _, ref := range tpl.ClauseRefs {
			d.RequirementIDs = append(d.RequirementIDs, catalog.RequirementID("iso27001-2022", ref))
		}
	}
	return nil
}

// Document returns one document (by id or ref), archived or not.
func (s *Service) Document(ctx context.Context, p *bulwark.Principal, id string) (*Document, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Document
	err := s.view(ctx, func(tx store) error {
		var err error
		out, err = tx.Document(ctx, p.Org.ID, id)
		return err
	})
	if out != nil {
		out.mark(bulwark.Today(time.Now(), p.Org.Settings.TimeZone))
	}
	return out, err
}

// mark sets what is derived from today: whether the review is overdue.
func (d *Document) mark(today string) {
	d.ReviewOverdue = d.NextReviewDate != nil && *d.NextReviewDate < today && d.Status != Retired && d.ArchivedAt == nil
}

// Documents lists one page of documents.
func (s *Service) Documents(ctx context.Context, p *bulwark.Principal, f DocumentFilter) ([]*Document, string, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, "", err
	}
	var out []*Document
	var next string
	err := s.read(ctx, func(tx store) error {
		var err error
		out, next, err = tx.Documents(ctx, p.Org.ID, f)
		return err
	})
	today := bulwark.Today(time.Now(), p.Org.Settings.TimeZone)
	for _, d := range out {
		d.mark(today)
	}
	return out, next, err
}

// change loads document id for a change by p: the owner (or a manager and up)
// may change it, at the version they saw.
func (s *Service) change(ctx context.Context, tx store, p *bulwark.Principal, id string, expect *int) (*Document, error) {
	d, err := tx.Document(ctx, p.Org.ID, id)
	if err != nil {
		return nil, err
	}
	if !app.CanEdit(p, d.OwnerID) {
		return nil, bulwark.Errorf(bulwark.EFORBIDDEN, "You can change only the documents you own.")
	}
	if expect != nil && *expect != d.Version {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "The document was changed by someone else (version %d, not %d); reload and try again.", d.Version, *expect)
	}
	return d, nil
}

// backToDraft makes a changed working copy a draft again: an approval or a
// submission was for the text as it was, and a published document's edits are
// its next revision's draft.
func backToDraft(d *Document, ch bulwark.Changes, memberID string) {
	changed := false
	for _, f := range contentFields {
		if _, ok := ch[f]; ok {
			changed = true
		}
	}
	if !changed {
		return
	}
	addAuthor(d, memberID)
	if d.Status != Draft {
		ch["status"] = bulwark.Change{Before: d.Status, After: Draft}
		d.Status = Draft
	}
	d.SubmittedBy, d.SubmittedAt, d.ApprovedBy, d.ApprovedAt = nil, nil, nil, nil
}

// Update changes a document's working copy; archive true hides it from lists.
func (s *Service) Update(ctx context.Context, p *bulwark.Principal, id string, in Input, expect *int, archive *bool) (*Document, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Document
	err := s.write(ctx, func(tx store) error {
		d, err := s.change(ctx, tx, p, id, expect)
		if err != nil {
			return err
		}
		if in.Ref != nil && !strings.EqualFold(strings.TrimSpace(*in.Ref), d.Ref) {
			return bulwark.Invalid("ref", "cannot be changed")
		}
		if in.TemplateID != nil && *in.TemplateID != d.TemplateID {
			return bulwark.Invalid("template_id", "is read only after creation")
		}
		if in.Scope != nil {
			return bulwark.Invalid("scope", "is only read when creating from a template")
		}
		before := *d
		before.ControlIDs = slices.Clone(d.ControlIDs)
		slices.Sort(before.ControlIDs)
		ch := in.apply(d)
		if d.Status == Retired && len(ch) > 0 {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is retired; it can no longer change.", d.Ref)
		}
		if _, ok := ch["type"]; ok && Prefixes[d.Type] != "" && d.PublishedRevision != nil {
			return bulwark.Invalid("type", "cannot change once the document is published")
		}
		backToDraft(d, ch, p.MemberID)
		if err := validate(ctx, tx, p.Org.ID, d, &before); err != nil {
			return err
		}
		action := "document.update"
		if archive != nil && *archive != (d.ArchivedAt != nil) {
			if *archive {
				now := tx.Now()
				d.ArchivedAt, action = &now, "document.archive"
			} else {
				d.ArchivedAt, action = nil, "document.restore"
			}
			ch["archived_at"] = bulwark.Change{After: d.ArchivedAt}
		}
		out = d
		if len(ch) == 0 {
			return nil
		}
		_, c := ch["control_ids"]
		_, r := ch["requirement_ids"]
		if err := tx.UpdateDocument(ctx, p.Org.ID, d, c || r); err != nil {
			return err
		}
		after := *d
		after.ControlIDs = slices.Clone(d.ControlIDs)
		slices.Sort(after.ControlIDs)
		if err := soaTouched(ctx, tx, p, &before, &after); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), action, "document", d.ID, d.Ref, ch)
	})
	if out != nil {
		out.mark(bulwark.Today(time.Now(), p.Org.Settings.TimeZone))
	}
	return out, err
}
