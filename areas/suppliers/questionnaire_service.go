package suppliers

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/blobstore"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// LinkPurpose is what a questionnaire link's signature is for: a token signed
// for anything else (an acknowledgement, a training) is refused, and so is this
// one anywhere else.
const LinkPurpose = "sq"

// LinkPath is where a questionnaire link's token is answered.
func LinkPath(token string) string { return "/q/" + token }

// SendInput is what sending a questionnaire takes.
type SendInput struct {
	ContactEmail, ContactName, Template string
	ExpiresInDays                       int
}

// Send creates a questionnaire for supplier supplierID from a template and
// returns it with the contact's personal link, which works until it expires or
// the questionnaire is submitted.
func (s *Service) Send(ctx context.Context, p *bulwark.Principal, supplierID string, in SendInput) (*Questionnaire, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return nil, err
	}
	var v bulwark.Validation
	in.ContactEmail, in.ContactName = strings.TrimSpace(in.ContactEmail), strings.TrimSpace(in.ContactName)
	if !ValidEmail(in.ContactEmail) {
		v.Add("contact_email", "must be an email address")
	}
	if in.Template == "" {
		in.Template = StarterTemplate.ID
	}
	tpl := TemplateByID(in.Template)
	if tpl == nil {
		v.Add("template", "is not a known template (GET /api/v1/questionnaire-templates lists them)")
	}
	if in.ExpiresInDays == 0 {
		in.ExpiresInDays = LinkDays
	}
	if in.ExpiresInDays < 1 || in.ExpiresInDays > 90 {
		v.Add("expires_in_days", "must be from 1 to 90")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var q *Questionnaire
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		sup, err := changeable(ctx, tx, p, supplierID, nil)
		if err != nil {
			return err
		}
		if sup.ArchivedAt != nil || sup.Status == StatusEnded {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is archived or ended: restore it before sending a questionnaire.", sup.Ref)
		}
		name := in.ContactName
		if name == "" {
			for _, c := range sup.Contacts {
				if strings.EqualFold(c.Email, in.ContactEmail) {
					name = c.Name
				}
			}
		}
		now := tx.Now()
		q = &Questionnaire{SupplierID: sup.ID, SupplierRef: sup.Ref, SupplierName: sup.Name, Template: tpl.ID, Questions: tpl.Questions, ContactName: name,
			ContactEmail: in.ContactEmail, Status: QSent, Answers: map[string]Answer{}, SentAt: now, ExpiresAt: now.Add(time.Duration(in.ExpiresInDays) * 24 * time.Hour).Truncate(time.Second),
			Files: []QuestionnaireFile{}}
		if p.MemberID != "" {
			id := p.MemberID
			q.SentBy = &id
		}
		if err := insertQuestionnaire(ctx, tx, p.Org.ID, q); err != nil {
			return err
		}
		key, err := tx.LinkKey(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		q.Link = LinkPath(bulwark.SignLink(key, bulwark.LinkClaims{Purpose: LinkPurpose, OrgID: p.Org.ID, Subject: q.ID, PersonID: sup.ID, Expires: q.ExpiresAt}))
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "supplier.questionnaire_send", "supplier", sup.ID, sup.Ref, bulwark.Changes{
			"questionnaire": bulwark.Added(q.Ref), "contact_email": bulwark.Added(q.ContactEmail), "template": bulwark.Added(q.Template), "expires_at": bulwark.Added(q.ExpiresAt)})
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// Questionnaires lists a supplier's questionnaires, newest first.
func (s *Service) Questionnaires(ctx context.Context, p *bulwark.Principal, supplierID string) ([]*Questionnaire, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Questionnaire
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		sup, err := getSupplier(ctx, tx, p.Org.ID, supplierID, today(p))
		if err != nil {
			return err
		}
		out, err = questionnaires(ctx, tx, p.Org.ID, sup.ID)
		return err
	})
	return out, err
}

// Questionnaire reads one questionnaire (by id or ref) with its files.
func (s *Service) Questionnaire(ctx context.Context, p *bulwark.Principal, id string) (*Questionnaire, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Questionnaire
	err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, err = getQuestionnaire(ctx, tx, p.Org.ID, id)
		return err
	})
	return out, err
}

// QuestionnaireLink returns a fresh personal link to questionnaire id, for its
// supplier's owner or a manager to send again; it expires when the first one does.
func (s *Service) QuestionnaireLink(ctx context.Context, p *bulwark.Principal, id string) (string, error) {
	if err := app.Require(p, bulwark.PermISMSEditOwn); err != nil {
		return "", err
	}
	var link string
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		q, err := getQuestionnaire(ctx, tx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if _, err := changeable(ctx, tx, p, q.SupplierID, nil); err != nil {
			return err
		}
		if !q.Open() {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s was submitted: its link is used up.", q.Ref)
		}
		key, err := tx.LinkKey(ctx, p.Org.ID)
		if err != nil {
			return err
		}
		link = LinkPath(bulwark.SignLink(key, bulwark.LinkClaims{Purpose: LinkPurpose, OrgID: p.Org.ID, Subject: q.ID, PersonID: q.SupplierID, Expires: q.ExpiresAt}))
		return nil
	})
	return link, err
}

// Review records a reviewer's decision on a submitted questionnaire: accept sets
// the supplier's last review to the review day and its next review by its tier;
// a follow-up (accept false) needs a note saying what is still missing. Only
// owners, admins and managers review.
func (s *Service) Review(ctx context.Context, p *bulwark.Principal, id string, accept bool, note, reviewedOn string) (*Questionnaire, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if reviewedOn == "" {
		reviewedOn = today(p)
	}
	if !bulwark.ValidDate(reviewedOn) || reviewedOn > today(p) {
		return nil, bulwark.Invalid("reviewed_on", "must be a date such as 2026-12-31, not in the future")
	}
	if !accept && note == "" {
		return nil, bulwark.Invalid("note", "say what the supplier must still answer or do")
	}
	var out *Questionnaire
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		q, err := getQuestionnaire(ctx, tx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if q.Status != QSubmitted && q.Status != QFollowUp {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is %s: only a submitted questionnaire is reviewed.", q.Ref, strings.ReplaceAll(q.Status, "_", " "))
		}
		if q.Status == QFollowUp && !accept {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s already has follow-ups raised.", q.Ref)
		}
		sup, err := getSupplier(ctx, tx, p.Org.ID, q.SupplierID, today(p))
		if err != nil {
			return err
		}
		now := tx.Now()
		by := p.MemberID
		before := q.Status
		q.ReviewedAt, q.ReviewNote = &now, note
		if by != "" {
			q.ReviewedBy = &by
		}
		action := "supplier.questionnaire_follow_up"
		q.Status = QFollowUp
		if accept {
			action, q.Status = "supplier.questionnaire_accept", QAccepted
		}
		if err := updateQuestionnaire(ctx, tx, p.Org.ID, q); err != nil {
			return err
		}
		ch := bulwark.Changes{"questionnaire": bulwark.Added(q.Ref), "status": bulwark.Change{Before: before, After: q.Status}, "score": bulwark.Added(q.Score)}
		if note != "" {
			ch["note"] = bulwark.Added(note)
		}
		if accept {
			t, err := loadTiering(ctx, tx, p.Org.ID)
			if err != nil {
				return err
			}
			last := reviewedOn
			lp := &last
			sch := Input{LastReview: &lp}.apply(sup)
			derive(sup, &t, sch)
			for k, v := range sch {
				ch[k] = v
			}
			if len(sch) > 0 {
				if err := updateSupplier(ctx, tx, p.Org.ID, sup, false); err != nil {
					return err
				}
			}
		}
		out = q
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), action, "supplier", sup.ID, sup.Ref, ch)
	})
	return out, err
}

// LinkTarget is what a questionnaire link reaches: the questionnaire and the name of the organisation asking.
type LinkTarget struct {
	OrgID, OrgName string
	Questionnaire  *Questionnaire
	MaxUpload      int64
}

// openLink checks a token and loads its questionnaire. An altered token, one
// signed for another purpose or organisation, or one naming a questionnaire that
// is not its supplier's is ENOTFOUND; an expired one EFORBIDDEN.
func openLink(ctx context.Context, tx *sqlstore.Tx, token string, now time.Time) (*LinkTarget, error) {
	orgID, err := bulwark.LinkOrg(token)
	if err != nil {
		return nil, err
	}
	key, err := tx.ExistingLinkKey(ctx, orgID)
	if err != nil {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "This link is not valid. Ask for a new one.")
	}
	c, err := bulwark.VerifyLink(key, token, LinkPurpose, now)
	if err != nil {
		return nil, err
	}
	q, err := getQuestionnaire(ctx, tx, c.OrgID, c.Subject)
	if err != nil || q.SupplierID != c.PersonID || q.ID != c.Subject {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "This link is not valid. Ask for a new one.")
	}
	t := &LinkTarget{OrgID: c.OrgID, Questionnaire: q}
	if err := tx.QueryRow(ctx, `SELECT name FROM organisations WHERE id = ?`, c.OrgID).Scan(&t.OrgName); err != nil {
		return nil, fmt.Errorf("organisation of a link: %w", err)
	}
	return t, nil
}

// linkMeta is who acts through a link, for the audit log.
func linkMeta(m app.Meta, q *Questionnaire) app.Meta {
	m.ActorID = "link:" + q.Ref + ":" + q.ContactEmail
	return m
}

// OpenLink returns what a questionnaire link reaches, and records the access in
// the link's organisation's audit log, refused attempts on a genuine link
// (expired) included.
func (s *Service) OpenLink(ctx context.Context, token string, m app.Meta) (*LinkTarget, error) {
	var t *LinkTarget
	var refused error
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		var err error
		t, err = openLink(ctx, tx, token, time.Now())
		if err != nil {
			if bulwark.ErrorCode(err) == bulwark.EFORBIDDEN {
				refused = err
				return auditRefused(ctx, tx, token, m)
			}
			return err
		}
		q := t.Questionnaire
		return app.Audit(ctx, tx, t.OrgID, linkMeta(m, q), "supplier.questionnaire_open", "supplier", q.SupplierID, q.SupplierRef, bulwark.Changes{
			"questionnaire": bulwark.Added(q.Ref), "status": bulwark.Added(q.Status)})
	})
	if refused != nil {
		return nil, refused
	}
	return t, err
}

// auditRefused records an expired link's refused access: the signature was good,
// so the organisation is known, and the questionnaire if it still exists.
func auditRefused(ctx context.Context, tx *sqlstore.Tx, token string, m app.Meta) error {
	orgID, err := bulwark.LinkOrg(token)
	if err != nil {
		return nil
	}
	key, err := tx.ExistingLinkKey(ctx, orgID)
	if err != nil {
		return nil
	}
	c, err := bulwark.VerifyLink(key, token, LinkPurpose, time.Time{}) // the signature only: the zero time is before any expiry
	if err != nil {
		return nil
	}
	q, err := getQuestionnaire(ctx, tx, c.OrgID, c.Subject)
	if err != nil {
		return nil
	}
	return app.Audit(ctx, tx, c.OrgID, linkMeta(m, q), "supplier.questionnaire_link_expired", "supplier", q.SupplierID, q.SupplierRef, bulwark.Changes{
		"questionnaire": bulwark.Added(q.Ref)})
}

// AnswerByLink saves the answers a supplier gives through its link: a draft, or
// (submit) the final answers, which must be complete; after that the link reaches
// a read-only page only.
func (s *Service) AnswerByLink(ctx context.Context, token string, answers map[string]Answer, submit bool, m app.Meta) (*Questionnaire, error) {
	var out *Questionnaire
	err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		t, err := openLink(ctx, tx, token, time.Now())
		if err != nil {
			return err
		}
		q := t.Questionnaire
		if !q.Open() {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s was already submitted on %s; it cannot be changed.", q.Ref, q.SubmittedAt.Format("2 Jan 2006"))
		}
		merged := map[string]Answer{}
		for k, v := range q.Answers {
			merged[k] = v
		}
		for k, v := range answers {
			v.Value, v.Comment = strings.ToLower(strings.TrimSpace(v.Value)), strings.TrimSpace(v.Comment)
			if v.Value == "" && v.Comment == "" {
				delete(merged, k)
				continue
			}
			merged[k] = v
		}
		if err := CheckAnswers(q.Questions, merged, submit); err != nil {
			return err
		}
		before := q.Status
		q.Answers = merged
		q.Status = QDraft
		action := "supplier.questionnaire_draft"
		if submit {
			now := tx.Now()
			q.Status, q.SubmittedAt, q.Score, action = QSubmitted, &now, Score(q.Questions, merged), "supplier.questionnaire_submit"
		}
		if err := updateQuestionnaire(ctx, tx, t.OrgID, q); err != nil {
			return err
		}
		answered := 0
		for _, a := range merged {
			if a.Value != "" {
				answered++
			}
		}
		out = q
		return app.Audit(ctx, tx, t.OrgID, linkMeta(m, q), action, "supplier", q.SupplierID, q.SupplierRef, bulwark.Changes{
			"questionnaire": bulwark.Added(q.Ref), "status": bulwark.Change{Before: before, After: q.Status}, "answered": bulwark.Added(answered), "score": bulwark.Added(q.Score)})
	})
	return out, err
}

// MaxFiles is how many files a supplier may attach to one questionnaire.
const MaxFiles = 20

// AttachByLink stores a file a supplier attaches through its link (at most max
// bytes, the upload limit) and records it on the questionnaire, before submission only.
func (s *Service) AttachByLink(ctx context.Context, token, question, filename string, r io.Reader, max int64, m app.Meta) (*QuestionnaireFile, error) {
	blobs := s.Blobs()
	if blobs == nil {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "This instance has no file store configured, so files cannot be attached; answer in the comments instead.")
	}
	var t *LinkTarget
	if err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		t, err = openLink(ctx, tx, token, time.Now())
		return err
	}); err != nil {
		return nil, err
	}
	if !t.Questionnaire.Open() {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "%s was already submitted; it cannot be changed.", t.Questionnaire.Ref)
	}
	obj, err := blobs.Put(ctx, t.OrgID, r, max)
	if err != nil {
		return nil, err
	}
	if obj.Size == 0 {
		return nil, bulwark.Invalid("file", "is empty")
	}
	name := blobstore.SafeFilename(filename, "attachment")
	f := &QuestionnaireFile{Question: strings.TrimSpace(question), Filename: name, ContentType: blobstore.ContentType(name, obj.Head), Size: obj.Size, SHA256: obj.SHA256}
	err = s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
		t, err := openLink(ctx, tx, token, time.Now())
		if err != nil {
			return err
		}
		q := t.Questionnaire
		if !q.Open() {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s was already submitted; it cannot be changed.", q.Ref)
		}
		if len(q.Files) >= MaxFiles {
			return bulwark.Invalid("file", fmt.Sprintf("at most %d files may be attached", MaxFiles))
		}
		if f.Question != "" && !knownQuestion(q.Questions, f.Question) {
			return bulwark.Invalid("question", "is not a question of this questionnaire")
		}
		if err := insertFile(ctx, tx, t.OrgID, q, f); err != nil {
			return err
		}
		return app.Audit(ctx, tx, t.OrgID, linkMeta(m, q), "supplier.questionnaire_attach", "supplier", q.SupplierID, q.SupplierRef, bulwark.Changes{
			"questionnaire": bulwark.Added(q.Ref), "filename": bulwark.Added(f.Filename), "sha256": bulwark.Added(f.SHA256), "size": bulwark.Added(f.Size)})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

func knownQuestion(qs []Question, id string) bool {
	for _, q := range qs {
		if q.ID == id {
			return true
		}
	}
	return false
}

// QuestionnaireFile opens file n of questionnaire id for a reader of the ISMS.
func (s *Service) QuestionnaireFile(ctx context.Context, p *bulwark.Principal, id string, n int) (*QuestionnaireFile, io.ReadCloser, error) {
	q, err := s.Questionnaire(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	for _, f := range q.Files {
		if f.N == n {
			if s.Blobs() == nil {
				return nil, nil, bulwark.Errorf(bulwark.ENOTFOUND, "File not found.")
			}
			r, err := s.Blobs().Open(ctx, p.Org.ID, f.SHA256)
			if err != nil {
				return nil, nil, err
			}
			if err := s.DB.Write(ctx, func(tx *sqlstore.Tx) error {
				return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "supplier.questionnaire_file_download", "supplier", q.SupplierID, q.SupplierRef, bulwark.Changes{
					"questionnaire": bulwark.Added(q.Ref), "filename": bulwark.Added(f.Filename)})
			}); err != nil {
				r.Close()
				return nil, nil, err
			}
			return &f, r, nil
		}
	}
	return nil, nil, bulwark.Errorf(bulwark.ENOTFOUND, "File not found.")
}
