// Package evidence is the evidence register (9.1, A.5.36): files, links and
// notes that prove controls work, each with the period it covers, an owner who
// keeps it current, and every earlier version kept. Files are stored by their
// SHA-256 in the blob store, within their organisation.
package evidence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/blobstore"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Service is the evidence register's operations: each checks the principal's
// permission, stays inside its organisation and writes its audit entry in the
// same transaction as the change.
type Service struct {
	*app.Service
}

// New returns the evidence area's service over the kernel's.
func New(k *app.Service) *Service {
	// The daily outbox tells owners of evidence that expires within a week, or has.
	k.AddDue(app.DueFromQuery("evidence_expiry", "/evidence/%s", `SELECT owner_id, id, ref, title, valid_until FROM evidence
		WHERE org_id = ? AND archived_at IS NULL AND owner_id IS NOT NULL AND valid_until <= ?`))
	return &Service{Service: k}
}

func (s *Service) write(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Write(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

func (s *Service) view(ctx context.Context, fn func(tx store) error) error {
	return s.DB.View(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

// Input lists the register fields a person may set; nil fields stay as they are.
type Input struct {
	Ref, Title, Description, Kind       *string
	OwnerID, EffectiveDate, ValidUntil  **string
	ControlIDs, RequirementIDs, RiskIDs *[]string
	URL, Note                           *string // on create only: the content of a link or a note
}

// apply copies the register fields onto e and returns what changed.
func (in Input) apply(e *Evidence) bulwark.Changes {
	ch := bulwark.Changes{}
	if in.Title != nil {
		t := strings.TrimSpace(*in.Title)
		app.Set(ch, "title", &e.Title, &t)
	}
	if in.Description != nil {
		d := strings.ReplaceAll(*in.Description, "\r\n", "\n")
		app.Set(ch, "description", &e.Description, &d)
	}
	app.SetOpt(ch, "owner_id", &e.OwnerID, in.OwnerID)
	if in.EffectiveDate != nil {
		setDate(ch, "effective_date", &e.EffectiveDate, *in.EffectiveDate)
	}
	if in.ValidUntil != nil {
		setDate(ch, "valid_until", &e.ValidUntil, *in.ValidUntil)
	}
	for _, l := range []struct {
		name    string
		dst, in *[]string
	}{{"control_ids", &e.ControlIDs, in.ControlIDs}, {"requirement_ids", &e.RequirementIDs, in.RequirementIDs}, {"risk_ids", &e.RiskIDs, in.RiskIDs}} {
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

// linkChecks are the tables an item's links point into, each the organisation's.
var linkChecks = []struct {
	field, table string
	tenant       bool
	hint         string
}{
	{"control_ids", "controls", true, "names a control that is not this organisation's"},
	{"risk_ids", "risks", true, "names a risk that is not this organisation's"},
	{"requirement_ids", "requirements", false, "names a requirement that is not in the catalog (ids look like iso27001-2022:9.1)"},
}

// validate checks e and that what it links to is the organisation's.
func validate(ctx context.Context, tx store, orgID string, e, before *Evidence) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if before == nil || !app.EqPtr(e.OwnerID, before.OwnerID) {
		if err := app.CheckMember(ctx, tx.Tx, orgID, "owner_id", e.OwnerID); err != nil {
			return err
		}
	}
	for _, l := range linkChecks {
		ids := map[string][]string{"control_ids": e.ControlIDs, "risk_ids": e.RiskIDs, "requirement_ids": e.RequirementIDs}[l.field]
		if len(ids) == 0 {
			continue
		}
		in, list := tx.InList("id", ids)
		q, args := `SELECT COUNT(*) FROM `+l.table+` WHERE `+in, []any{list}
		if l.tenant {
			q, args = `SELECT COUNT(*) FROM `+l.table+` WHERE org_id = ? AND `+in, []any{orgID, list}
		}
		var n int
		if err := tx.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			return fmt.Errorf("check %s: %w", l.field, err)
		}
		if n != len(ids) {
			return bulwark.Invalid(l.field, l.hint)
		}
	}
	return nil
}

// today is the principal's organisation's date.
func today(p *bulwark.Principal) string { return bulwark.Today(time.Now(), p.Org.Settings.TimeZone) }

// StoreFile streams an upload into the blob store for p's organisation, reading
// at most max bytes (413 beyond), and returns it ready to become an item's
// content. The bytes decide its type; its name is kept, made safe.
func (s *Service) StoreFile(ctx context.Context, p *bulwark.Principal, filename string, r io.Reader, max int64) (*File, error) {
	if err := app.Require(p, bulwark.PermISMSCreateOwn); err != nil {
		return nil, err
	}
	blobs := s.Blobs()
	if blobs == nil {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "This instance has no evidence store configured (--blob-url).")
	}
	obj, err := blobs.Put(ctx, p.Org.ID, r, max)
	if err != nil {
		return nil, err
	}
	if obj.Size == 0 {
		return nil, bulwark.Invalid("file", "is empty")
	}
	name := blobstore.SafeFilename(filename, "evidence")
	return &File{Filename: name, ContentType: blobstore.ContentType(name, obj.Head), Size: obj.Size, SHA256: obj.SHA256}, nil
}

// Create adds an evidence item with its first revision: a file stored with
// StoreFile, a link or a note.
func (s *Service) Create(ctx context.Context, p *bulwark.Principal, in Input, c Content) (*Evidence, error) {
	if err := app.Require(p, bulwark.PermISMSCreateOwn); err != nil {
		return nil, err
	}
	c.URL, c.Note = in.URL, in.Note
	if in.EffectiveDate != nil {
		c.EffectiveDate = in.EffectiveDate
	}
	if in.ValidUntil != nil {
		c.ValidUntil = in.ValidUntil
	}
	kind, ok := c.kind()
	if !ok {
		return nil, bulwark.Invalid("file", "send exactly one of a file (multipart/form-data), url or note")
	}
	if in.Kind != nil && strings.TrimSpace(*in.Kind) != "" && !strings.EqualFold(strings.TrimSpace(*in.Kind), kind) {
		return nil, bulwark.Invalid("kind", fmt.Sprintf("says %s but the content sent is a %s", strings.TrimSpace(*in.Kind), kind))
	}
	e := &Evidence{ControlIDs: []string{}, RequirementIDs: []string{}, RiskIDs: []string{}}
	if p.MemberID != "" {
		owner := p.MemberID
		e.OwnerID = &owner
	}
	ch := c.apply(e)
	in.EffectiveDate, in.ValidUntil = nil, nil // applied with the content
	for k, v := range in.apply(e) {
		ch[k] = v
	}
	if e.Title == "" && kind == KindFile {
		e.Title = c.File.Filename
		ch["title"] = bulwark.Added(e.Title)
	}
	if in.Ref != nil && strings.TrimSpace(*in.Ref) != "" {
		e.Ref = strings.ToUpper(strings.TrimSpace(*in.Ref))
		if !bulwark.ValidRef(e.Ref) {
			return nil, bulwark.Invalid("ref", "must look like E-001: letters and digits, a dash, digits")
		}
	}
	err := s.write(ctx, func(tx store) error {
		if err := validate(ctx, tx, p.Org.ID, e, nil); err != nil {
			return err
		}
		if err := tx.InsertEvidence(ctx, p.Org.ID, p.MemberID, e, c.Comment); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "evidence.create", "evidence", e.ID, e.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	e.mark(today(p))
	return e, nil
}

// change reads item id for p to change: it must be theirs to edit.
func (s *Service) change(ctx context.Context, tx store, p *bulwark.Principal, id string, expect *int) (*Evidence, error) {
	e, err := tx.Evidence(ctx, p.Org.ID, id)
	if err != nil {
		return nil, err
	}
	if !app.CanEdit(p, e.OwnerID) {
		return nil, bulwark.Errorf(bulwark.EFORBIDDEN, "Only the evidence owner or a manager may change %s.", e.Ref)
	}
	if expect != nil && *expect != e.Version {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "%s is at version %d, not %d: reload and try again.", e.Ref, e.Version, *expect)
	}
	return e, nil
}

// Update changes an item's register fields, or archives (restores) it. Its
// content changes only by a new revision.
func (s *Service) Update(ctx context.Context, p *bulwark.Principal, id string, in Input, expect *int, archive *bool) (*Evidence, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var out *Evidence
	err := s.write(ctx, func(tx store) error {
		e, err := s.change(ctx, tx, p, id, expect)
		if err != nil {
			return err
		}
		if in.Ref != nil && !strings.EqualFold(strings.TrimSpace(*in.Ref), e.Ref) {
			return bulwark.Invalid("ref", "cannot be changed")
		}
		if in.URL != nil || in.Note != nil {
			name := map[bool]string{true: "url", false: "note"}[in.URL != nil]
			return bulwark.Invalid(name, "changes by a new revision (POST /api/v1/evidence/"+e.ID+"/revisions), so the earlier one is kept")
		}
		if in.Kind != nil && !strings.EqualFold(strings.TrimSpace(*in.Kind), e.Kind) {
			return bulwark.Invalid("kind", "follows from the content: send a new revision with the other kind of content")
		}
		before := *e
		ch := in.apply(e)
		_, eff := ch["effective_date"]
		_, until := ch["valid_until"]
		if e.CheckID != nil && (eff || until) {
			return bulwark.Invalid("valid_until", "of a check's evidence follows from its runs")
		}
		if err := validate(ctx, tx, p.Org.ID, e, &before); err != nil {
			return err
		}
		action := "evidence.update"
		if archive != nil && *archive != (e.ArchivedAt != nil) {
			if *archive {
				now := tx.Now()
				e.ArchivedAt, action = &now, "evidence.archive"
			} else {
				e.ArchivedAt, action = nil, "evidence.restore"
			}
		}
		if len(ch) == 0 && action == "evidence.update" {
			out = e
			return nil
		}
		_, c1 := ch["control_ids"]
		_, c2 := ch["requirement_ids"]
		_, c3 := ch["risk_ids"]
		if err := tx.UpdateEvidence(ctx, p.Org.ID, e, c1 || c2 || c3); err != nil {
			return err
		}
		out = e
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), action, "evidence", e.ID, e.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	out.mark(today(p))
	return out, nil
}

// AddRevision makes c the item's content as its next revision; the earlier
// revisions stay readable and downloadable.
func (s *Service) AddRevision(ctx context.Context, p *bulwark.Principal, id string, c Content) (*Evidence, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	if _, ok := c.kind(); !ok {
		return nil, bulwark.Invalid("file", "send exactly one of a file (multipart/form-data), url or note")
	}
	var out *Evidence
	err := s.write(ctx, func(tx store) error {
		e, err := s.change(ctx, tx, p, id, nil)
		if err != nil {
			return err
		}
		if e.ArchivedAt != nil {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is archived: restore it before adding a revision.", e.Ref)
		}
		if e.CheckID != nil {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s keeps the runs of an automated check: its revisions come from the check.", e.Ref)
		}
		ch := c.apply(e)
		if err := e.Validate(); err != nil {
			return err
		}
		e.Revision++
		ch["revision"] = bulwark.Change{Before: e.Revision - 1, After: e.Revision}
		if err := tx.AddRevision(ctx, p.Org.ID, p.MemberID, e, c.Comment); err != nil {
			return err
		}
		out = e
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "evidence.revise", "evidence", e.ID, e.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	out.mark(today(p))
	return out, nil
}

// Get returns one item (by id or ref), archived or not.
func (s *Service) Get(ctx context.Context, p *bulwark.Principal, id string) (*Evidence, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Evidence
	err := s.view(ctx, func(tx store) error {
		var err error
		out, err = tx.Evidence(ctx, p.Org.ID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.mark(today(p))
	return out, nil
}

// List returns one page of evidence.
func (s *Service) List(ctx context.Context, p *bulwark.Principal, f Filter) ([]*Evidence, string, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, "", err
	}
	f.Today = today(p)
	var out []*Evidence
	var next string
	err := s.view(ctx, func(tx store) error {
		var err error
		out, next, err = tx.List(ctx, p.Org.ID, f)
		return err
	})
	for _, e := range out {
		e.mark(f.Today)
	}
	return out, next, err
}

// Revisions returns an item and its revisions, newest first.
func (s *Service) Revisions(ctx context.Context, p *bulwark.Principal, id string) (*Evidence, []*Revision, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, nil, err
	}
	var e *Evidence
	var revs []*Revision
	err := s.view(ctx, func(tx store) error {
		var err error
		if e, err = tx.Evidence(ctx, p.Org.ID, id); err != nil {
			return err
		}
		revs, err = tx.Revisions(ctx, p.Org.ID, e.ID, 0)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	e.mark(today(p))
	return e, revs, nil
}

// Revision returns revision n of an item.
func (s *Service) Revision(ctx context.Context, p *bulwark.Principal, id string, n int) (*Revision, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Revision
	err := s.view(ctx, func(tx store) error {
		e, err := tx.Evidence(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		out, err = tx.Revision(ctx, p.Org.ID, e.ID, n)
		return err
	})
	return out, err
}

// OpenFile returns the file of an item's revision n (0: the current one) and a
// reader of its bytes, which the caller closes.
func (s *Service) OpenFile(ctx context.Context, p *bulwark.Principal, id string, n int) (*Revision, io.ReadCloser, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, nil, err
	}
	var rev *Revision
	err := s.view(ctx, func(tx store) error {
		e, err := tx.Evidence(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if n == 0 {
			n = e.Revision
		}
		rev, err = tx.Revision(ctx, p.Org.ID, e.ID, n)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if rev.Kind != KindFile || rev.SHA256 == nil {
		return nil, nil, bulwark.Errorf(bulwark.ENOTFOUND, "Revision %d is a %s, not a file.", rev.Revision, rev.Kind)
	}
	if s.Blobs() == nil {
		return nil, nil, bulwark.Errorf(bulwark.ENOTFOUND, "This instance has no evidence store configured (--blob-url).")
	}
	r, err := s.Blobs().Open(ctx, p.Org.ID, *rev.SHA256)
	if err != nil {
		return nil, nil, err
	}
	return rev, r, nil
}

// CheckRun is what one run of an automated check adds to the check's evidence
// item: the run's results as a file, the period they prove, the check's controls.
type CheckRun struct {
	CheckID, Title, Description string
	OwnerID                     *string
	ControlIDs                  []string
	File                        File // already in the blob store
	Effective, ValidUntil       string
	Comment                     string
}

// RecordCheckRun adds a run as the next revision of its check's evidence item
// (created on the first run), in the caller's transaction: a check keeps one
// item whose revisions are its runs, so the register is not flooded. It
// returns the item's id.
func RecordCheckRun(ctx context.Context, tx *sqlstore.Tx, orgID string, m app.Meta, r CheckRun) (string, error) {
	st := store{tx}
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM evidence WHERE org_id = ? AND check_id = ?`, orgID, r.CheckID).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("check evidence: %w", err)
	}
	f, eff, until := r.File, &r.Effective, &r.ValidUntil
	c := Content{File: &f, EffectiveDate: &eff, ValidUntil: &until, Comment: r.Comment}
	controls := uniq(r.ControlIDs)
	if id == "" {
		check := r.CheckID
		e := &Evidence{Title: r.Title, Description: r.Description, OwnerID: r.OwnerID, ControlIDs: controls, RequirementIDs: []string{}, RiskIDs: []string{}, CheckID: &check}
		ch := c.apply(e)
		if err := st.InsertEvidence(ctx, orgID, "", e, r.Comment); err != nil {
			return "", err
		}
		return e.ID, app.Audit(ctx, tx, orgID, m, "evidence.create", "evidence", e.ID, e.Ref, ch)
	}
	e, err := st.Evidence(ctx, orgID, id)
	if err != nil {
		return "", err
	}
	ch := c.apply(e)
	links := false
	if cur := slices.Clone(e.ControlIDs); !slices.Equal(uniq(cur), controls) {
		ch["control_ids"] = bulwark.Change{Before: cur, After: controls}
		e.ControlIDs, links = controls, true
	}
	if e.Title != r.Title {
		ch["title"] = bulwark.Change{Before: e.Title, After: r.Title}
		e.Title = r.Title
	}
	e.ArchivedAt = nil
	e.Revision++
	ch["revision"] = bulwark.Change{Before: e.Revision - 1, After: e.Revision}
	if err := st.insertRevision(ctx, orgID, e.ID, revisionOf(e, r.Comment), nil); err != nil {
		return "", err
	}
	if err := st.UpdateEvidence(ctx, orgID, e, links); err != nil {
		return "", err
	}
	return e.ID, app.Audit(ctx, tx, orgID, m, "evidence.revise", "evidence", e.ID, e.Ref, ch)
}
