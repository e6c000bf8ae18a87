package documents

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
)

// Step is what a workflow step carries: a comment to return a document, the
// revision bump and the change summary to publish it.
type Step struct {
	Comment       string
	Bump          string
	ChangeSummary string
}

// step runs one workflow step on document id in a transaction and audits it.
func (s *Service) step(ctx context.Context, p *bulwark.Principal, id string, perm bulwark.Permission, action string,
	fn func(tx store, d *Document, ch bulwark.Changes) error) (*Document, error) {
	if err := app.Require(p, perm); err != nil {
		return nil, err
	}
	var out *Document
	err := s.write(ctx, func(tx store) error {
		d, err := tx.Document(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if d.ArchivedAt != nil {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is archived; restore it first.", d.Ref)
		}
		ch := bulwark.Changes{}
		before, was := d.Status, *d
		if err := fn(tx, d, ch); err != nil {
			return err
		}
		if err := soaTouched(ctx, tx, p, &was, d); err != nil {
			return err
		}
		if d.Status != before {
			ch["status"] = bulwark.Change{Before: before, After: d.Status}
		}
		if err := tx.UpdateDocument(ctx, p.Org.ID, d, false); err != nil {
			return err
		}
		out = d
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), action, "document", d.ID, d.Ref, ch)
	})
	if out != nil {
		out.mark(bulwark.Today(time.Now(), p.Org.Settings.TimeZone))
	}
	return out, err
}

// Submit sends a draft for approval. Its owner (or a manager and up) submits it,
// and becomes one of its authors.
func (s *Service) Submit(ctx context.Context, p *bulwark.Principal, id string) (*Document, error) {
	return s.step(ctx, p, id, bulwark.PermISMSEditOwn, "document.submit", func(tx store, d *Document, ch bulwark.Changes) error {
		if !app.CanEdit(p, d.OwnerID) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "Only the document's owner or a manager can submit it.")
		}
		if d.Status != Draft {
			return bulwark.Errorf(bulwark.ECONFLICT, "Only a draft can be submitted; %s is %s.", d.Ref, label(d.Status))
		}
		if !d.hasContent() {
			return bulwark.Invalid("body", "is empty: write the text or upload the document's file before submitting it")
		}
		addAuthor(d, p.MemberID)
		now := tx.Now()
		d.Status, d.SubmittedBy, d.SubmittedAt, d.ReturnComment = InReview, memberPtr(p), &now, ""
		return nil
	})
}

// Approve approves a document in review. With segregation of duties on, the
// approver is none of its authors (409 naming why).
func (s *Service) Approve(ctx context.Context, p *bulwark.Principal, id string) (*Document, error) {
	return s.step(ctx, p, id, bulwark.PermApprove, "document.approve", func(tx store, d *Document, ch bulwark.Changes) error {
		if d.Status != InReview {
			return bulwark.Errorf(bulwark.ECONFLICT, "Only a document in review can be approved; %s is %s. Submit it first.", d.Ref, label(d.Status))
		}
		if p.Org.Settings.SegregationOfDuties && slices.Contains(d.Authors, p.MemberID) {
			// 409, not 403: the role may approve; that this member wrote or submitted it is what stands in the way.
			return bulwark.Errorf(bulwark.ECONFLICT, "Segregation of duties: you wrote or submitted this version of %s, so someone else must approve it.", d.Ref)
		}
		now := tx.Now()
		d.Status, d.ApprovedBy, d.ApprovedAt = Approved, memberPtr(p), &now
		ch["approved_by"] = bulwark.Added(p.MemberID)
		return nil
	})
}

// Return sends a document in review (or approved, not yet published) back to
// draft with a comment saying why.
func (s *Service) Return(ctx context.Context, p *bulwark.Principal, id string, comment string) (*Document, error) {
	comment = strings.TrimSpace(comment)
	if comment == "" {
		return nil, bulwark.Invalid("comment", "is required: say what should change")
	}
	if utf8.RuneCountInString(comment) > 5000 {
		return nil, bulwark.Invalid("comment", "must be at most 5,000 characters")
	}
	return s.step(ctx, p, id, bulwark.PermApprove, "document.return", func(tx store, d *Document, ch bulwark.Changes) error {
		if d.Status != InReview && d.Status != Approved {
			return bulwark.Errorf(bulwark.ECONFLICT, "Only a document in review or approved can be returned; %s is %s.", d.Ref, label(d.Status))
		}
		d.Status, d.ReturnComment = Draft, comment
		d.SubmittedBy, d.SubmittedAt, d.ApprovedBy, d.ApprovedAt = nil, nil, nil, nil
		ch["comment"] = bulwark.Added(comment)
		return nil
	})
}

// Publish publishes an approved document as its next revision (1.0 first, then
// minor 1.0 → 1.1 or major 1.1 → 2.0): an immutable copy with a change summary.
// The approver or a manager publishes. The review clock restarts.
func (s *Service) Publish(ctx context.Context, p *bulwark.Principal, id string, st Step) (*Document, *Revision, error) {
	if st.Bump == "" {
		st.Bump = "minor"
	}
	if !slices.Contains(Bumps, st.Bump) {
		return nil, nil, bulwark.Invalid("bump", "must be minor or major")
	}
	st.ChangeSummary = strings.TrimSpace(st.ChangeSummary)
	if utf8.RuneCountInString(st.ChangeSummary) > 5000 {
		return nil, nil, bulwark.Invalid("change_summary", "must be at most 5,000 characters")
	}
	var rev *Revision
	d, err := s.step(ctx, p, id, bulwark.PermISMSEditOwn, "document.publish", func(tx store, d *Document, ch bulwark.Changes) error {
		if d.Status != Approved {
			return bulwark.Errorf(bulwark.ECONFLICT, "Only an approved document can be published; %s is %s.", d.Ref, label(d.Status))
		}
		if !p.Can(bulwark.PermISMSEdit) && (d.ApprovedBy == nil || *d.ApprovedBy != p.MemberID) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "Only the approver or a manager can publish a document.")
		}
		if d.PublishedRevision == nil {
			if st.ChangeSummary == "" {
				st.ChangeSummary = "First publication."
			}
		} else if st.ChangeSummary == "" {
			return bulwark.Invalid("change_summary", "is required: say what changed since revision "+*d.PublishedRevision)
		}
		major, minor := NextRevision(d.major, d.minor, st.Bump)
		now := tx.Now()
		rev = &Revision{Major: major, Minor: minor, Revision: RevisionLabel(major, minor), Type: d.Type, Title: d.Title, Body: d.Body, Classification: d.Classification,
			SHA256: d.SHA256, Filename: d.Filename, ContentType: d.ContentType, Size: d.Size, ChangeSummary: st.ChangeSummary, Authors: slices.Clone(d.Authors),
			ApprovedBy: bulwark.Value(d.ApprovedBy), ApprovedAt: bulwark.Value(d.ApprovedAt), PublishedBy: p.MemberID, PublishedAt: now}
		if err := tx.InsertRevision(ctx, p.Org.ID, d.ID, rev); err != nil {
			return err
		}
		ch["published_revision"] = bulwark.Change{Before: d.PublishedRevision, After: rev.Revision}
		ch["change_summary"] = bulwark.Added(st.ChangeSummary)
		d.major, d.minor, d.PublishedRevision, d.Revision = &major, &minor, &rev.Revision, &rev.Revision
		d.Status, d.Authors = Published, []string{}
		next := addMonths(bulwark.Today(now, p.Org.Settings.TimeZone), d.ReviewMonths)
		app.SetOpt(ch, "next_review_date", &d.NextReviewDate, ptr(&next))
		if st.Bump == "major" && major > 1 {
			return s.askAgain(ctx, tx, p, d) // a new major revision asks again
		}
		return nil
	})
	return d, rev, err
}

// Retire withdraws a document: readers no longer see it; its revisions stay.
func (s *Service) Retire(ctx context.Context, p *bulwark.Principal, id string) (*Document, error) {
	return s.step(ctx, p, id, bulwark.PermISMSEdit, "document.retire", func(tx store, d *Document, ch bulwark.Changes) error {
		if d.Status == Retired {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is already retired.", d.Ref)
		}
		d.Status = Retired
		return nil
	})
}

// Reviewed records that the owner (or a manager) reviewed the document and found
// it still right: the next review date moves one cycle on.
func (s *Service) Reviewed(ctx context.Context, p *bulwark.Principal, id string) (*Document, error) {
	return s.step(ctx, p, id, bulwark.PermISMSEditOwn, "document.review", func(tx store, d *Document, ch bulwark.Changes) error {
		if !app.CanEdit(p, d.OwnerID) {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "Only the document's owner or a manager can record its review.")
		}
		if d.Status == Retired {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is retired.", d.Ref)
		}
		next := addMonths(bulwark.Today(tx.Now(), p.Org.Settings.TimeZone), d.ReviewMonths)
		app.SetOpt(ch, "next_review_date", &d.NextReviewDate, ptr(&next))
		ch["reviewed_on"] = bulwark.Added(bulwark.Today(tx.Now(), p.Org.Settings.TimeZone))
		return nil
	})
}

func ptr[T any](v *T) **T { return &v }

func memberPtr(p *bulwark.Principal) *string {
	if p.MemberID == "" {
		return nil
	}
	id := p.MemberID
	return &id
}

func label(status string) string { return strings.ReplaceAll(status, "_", " ") }

// MaxFileSize caps an uploaded document file.
const MaxFileSize = 20 << 20

// fileKinds are the formats a document's file may have, told by their first bytes.
var fileKinds = []struct {
	ext, contentType string
	magic            []byte
}{
	{".pdf", "application/pdf", []byte("%PDF-")},
	{".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", []byte("PK\x03\x04")},
	{".odt", "application/vnd.oasis.opendocument.text", []byte("PK\x03\x04")},
	{".doc", "application/msword", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}},
}

// DetectFile names the format of an uploaded file from its name and first bytes:
// a Word, OpenDocument or PDF document whose content agrees with its extension.
func DetectFile(filename string, content []byte) (string, error) {
	ext := strings.ToLower(filepath.Ext(filename))
	for _, k := range fileKinds {
		if k.ext == ext {
			if !bytes.HasPrefix(content, k.magic) {
				return "", bulwark.Invalid("file", fmt.Sprintf("is named %s but its content is not a %s file", ext, strings.TrimPrefix(ext, ".")))
			}
			return k.contentType, nil
		}
	}
	return "", bulwark.Invalid("file", "must be a PDF, Word (.docx, .doc) or OpenDocument (.odt) file")
}

// safeFilename keeps a file name's letters, digits, spaces, dots, dashes and
// underscores: the name goes back out in a Content-Disposition header.
func safeFilename(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" .-_()", r) {
			return r
		}
		return '_'
	}, name)
	name = strings.Trim(name, " .")
	if name == "" {
		return "document"
	}
	return name
}

// SetFile makes an uploaded file the working copy's content (an existing Word or
// PDF policy kept as it is); the working copy becomes a draft again.
func (s *Service) SetFile(ctx context.Context, p *bulwark.Principal, id, filename string, content []byte) (*Document, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	filename = safeFilename(filename)
	if len(content) == 0 {
		return nil, bulwark.Invalid("file", "is empty")
	}
	if len(content) > MaxFileSize {
		return nil, bulwark.Errorf(bulwark.ETOOLARGE, "The file is larger than %d MB.", MaxFileSize>>20)
	}
	ct, err := DetectFile(filename, content)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(content)
	sha := hex.EncodeToString(sum[:])
	var out *Document
	err = s.write(ctx, func(tx store) error {
		d, err := s.change(ctx, tx, p, id, nil)
		if err != nil {
			return err
		}
		if d.Status == Retired {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is retired; it can no longer change.", d.Ref)
		}
		if err := tx.PutFile(ctx, p.Org.ID, sha, content); err != nil {
			return err
		}
		ch := bulwark.Changes{"file": bulwark.Change{Before: d.Filename, After: filename}}
		d.SHA256, d.Filename, d.ContentType, d.Size = &sha, filename, ct, int64(len(content))
		backToDraft(d, ch, p.MemberID)
		if err := tx.UpdateDocument(ctx, p.Org.ID, d, false); err != nil {
			return err
		}
		out = d
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "document.file", "document", d.ID, d.Ref, ch)
	})
	return out, err
}

// File returns the file of document id: the working copy's (rev "") or a
// published revision's.
func (s *Service) File(ctx context.Context, p *bulwark.Principal, id, rev string) (filename, contentType string, content []byte, err error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return "", "", nil, err
	}
	err = s.view(ctx, func(tx store) error {
		d, err := tx.Document(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		sha := d.SHA256
		filename, contentType = d.Filename, d.ContentType
		if rev != "" {
			r, err := s.revision(ctx, tx, p.Org.ID, d, rev)
			if err != nil {
				return err
			}
			sha, filename, contentType = r.SHA256, r.Filename, r.ContentType
		}
		if sha == nil {
			return bulwark.Errorf(bulwark.ENOTFOUND, "This version of %s has no file; its text is its content.", d.Ref)
		}
		content, err = tx.File(ctx, p.Org.ID, *sha)
		return err
	})
	return filename, contentType, content, err
}

func (s *Service) revision(ctx context.Context, tx store, orgID string, d *Document, rev string) (*Revision, error) {
	major, minor, ok := ParseRevision(rev)
	if !ok {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Revision %q not found: revisions look like 1.0.", rev)
	}
	return tx.Revision(ctx, orgID, d.ID, major, minor)
}

// Revisions lists a document's published revisions, newest first.
func (s *Service) Revisions(ctx context.Context, p *bulwark.Principal, id string) (*Document, []*Revision, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, nil, err
	}
	var d *Document
	var revs []*Revision
	err := s.view(ctx, func(tx store) error {
		var err error
		if d, err = tx.Document(ctx, p.Org.ID, id); err != nil {
			return err
		}
		revs, err = tx.Revisions(ctx, p.Org.ID, d.ID)
		return err
	})
	return d, revs, err
}

// Revision returns one published revision with its diff against the previous one.
func (s *Service) Revision(ctx context.Context, p *bulwark.Principal, id, rev string) (*Document, *Revision, error) {
	d, revs, err := s.Revisions(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	for i, r := range revs {
		if r.Revision == rev {
			if i+1 < len(revs) { // the first revision has nothing to be compared with
				r.Diff = Diff(revs[i+1].Body, r.Body)
			}
			return d, r, nil
		}
	}
	return nil, nil, bulwark.Errorf(bulwark.ENOTFOUND, "Revision %s of %s not found.", rev, d.Ref)
}
