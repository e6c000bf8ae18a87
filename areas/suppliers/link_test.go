package suppliers_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/areas/suppliers"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// fullAnswers answers every starter question yes, except the first, partly with a comment.
func fullAnswers() url.Values {
	form := url.Values{"action": {"submit"}}
	for i, q := range suppliers.StarterTemplate.Questions {
		form.Set("a."+q.ID, "yes")
		if i == 0 {
			form.Set("a."+q.ID, "partial")
			form.Set("c."+q.ID, "The policy is approved; its yearly review is planned for March.")
		}
	}
	return form
}

// TestQuestionnaireLink: a questionnaire sent to a supplier contact is answered through its link without an
// account (draft, file, submission once), reviewed and accepted, which sets the supplier's review dates; the
// link is refused when expired, altered, signed for something else, another supplier's, or used up, reaches
// nothing but its own form, and every access is audited.
func TestQuestionnaireLink(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		mgr := caller{t, f, f.Accounts[bulwark.RoleManager].Token}
		if tpl := areastest.Decode[areastest.List](t, f.Do("GET", "/api/v1/questionnaire-templates", areastest.Req{Token: mgr.token})); len(tpl.Items) != 1 || len(tpl.Items[0]["questions"].([]any)) < 30 {
			t.Fatalf("templates: %v", tpl.Items)
		}
		s := mgr.do("POST", "/api/v1/suppliers", `{"name":"Cloudy Hosting","data_processed":"special_category","system_access":"privileged","replaceability":"hard",
			"contacts":[{"name":"Ana Silva","email":"ana@cloudy.example"}]}`, 201)
		other := mgr.do("POST", "/api/v1/suppliers", `{"name":"Mail Co"}`, 201)
		sid := s["id"].(string)
		mgr.do("POST", "/api/v1/suppliers/"+sid+"/questionnaires", `{"contact_email":"not an email"}`, 422)
		mgr.do("POST", "/api/v1/suppliers/"+sid+"/questionnaires", `{"contact_email":"ana@cloudy.example","template":"nope"}`, 422)
		caller{t, f, f.Accounts[bulwark.RoleAuditor].Token}.do("POST", "/api/v1/suppliers/"+sid+"/questionnaires", `{"contact_email":"ana@cloudy.example"}`, 403)
		q := mgr.do("POST", "/api/v1/suppliers/"+sid+"/questionnaires", `{"contact_email":"ana@cloudy.example"}`, 201)
		link := q["link"].(string)
		qid := q["id"].(string)
		if q["ref"] != "SQ-001" || q["status"] != "sent" || q["contact_name"] != "Ana Silva" || !strings.HasPrefix(link, "/q/") {
			t.Fatalf("sent: %v", q)
		}
		if exp, _ := time.Parse(time.RFC3339, q["expires_at"].(string)); exp.Sub(time.Now()) < 29*24*time.Hour || exp.Sub(time.Now()) > 30*24*time.Hour+time.Minute {
			t.Errorf("expires at %v, want 30 days from now", exp)
		}
		otherQ := mgr.do("POST", "/api/v1/suppliers/"+other["id"].(string)+"/questionnaires", `{"contact_email":"it@mail.example","expires_in_days":5}`, 201)
		token := strings.TrimPrefix(link, "/q/")

		// Anyone with the link, without an account, sees the questions.
		page := f.Do("GET", link, areastest.Req{})
		if page.StatusCode != 200 || !strings.Contains(page.Text, suppliers.StarterTemplate.Questions[5].Text) || page.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("link page: %d", page.StatusCode)
		}
		// The token reaches nothing else: not the API, not another kind of link.
		for _, path := range []string{"/api/v1/suppliers", "/api/v1/questionnaires/" + qid, "/api/v1/me"} {
			if res := f.Do("GET", path, areastest.Req{Token: token}); res.StatusCode != 401 {
				t.Errorf("%s with the link's token as a bearer: %d", path, res.StatusCode)
			}
		}
		for _, path := range []string{"/l/" + token, "/t/" + token} {
			if res := f.Do("GET", path, areastest.Req{}); res.StatusCode != 404 {
				t.Errorf("%s: %d, want 404", path, res.StatusCode)
			}
		}
		// Forged links: altered, signed for another purpose, naming another supplier's questionnaire, expired.
		var key []byte
		if err := db.Write(context.Background(), func(tx *sqlstore.Tx) error {
			var err error
			key, err = tx.LinkKey(context.Background(), f.Org.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		sign := func(c bulwark.LinkClaims) string { return "/q/" + bulwark.SignLink(key, c) }
		exp := time.Now().Add(time.Hour)
		altered := []byte(token)
		altered[len(altered)-3] ^= 1
		for name, c := range map[string]struct {
			path string
			want int
		}{
			"altered":                          {"/q/" + string(altered), 404},
			"signed for acknowledgements":      {sign(bulwark.LinkClaims{Purpose: "ack", OrgID: f.Org.ID, Subject: qid, PersonID: sid, Expires: exp}), 404},
			"another supplier's questionnaire": {sign(bulwark.LinkClaims{Purpose: suppliers.LinkPurpose, OrgID: f.Org.ID, Subject: otherQ["id"].(string), PersonID: sid, Expires: exp}), 404},
			"a supplier id as the subject":     {sign(bulwark.LinkClaims{Purpose: suppliers.LinkPurpose, OrgID: f.Org.ID, Subject: sid, PersonID: sid, Expires: exp}), 404},
			"expired":                          {sign(bulwark.LinkClaims{Purpose: suppliers.LinkPurpose, OrgID: f.Org.ID, Subject: qid, PersonID: sid, Expires: time.Now().Add(-time.Minute)}), 403},
			"garbage":                          {"/q/not-a-token", 404},
		} {
			res := f.Do("GET", c.path, areastest.Req{})
			if res.StatusCode != c.want || strings.Contains(res.Text, suppliers.StarterTemplate.Questions[5].Text) {
				t.Errorf("%s: %d, want %d", name, res.StatusCode, c.want)
			}
			if res := f.Do("POST", c.path, areastest.Req{Form: fullAnswers()}); res.StatusCode != c.want {
				t.Errorf("%s, answering: %d, want %d", name, res.StatusCode, c.want)
			}
		}
		if got := auditActions(t, db, f.Org.ID, sid); !strings.Contains(got, "supplier.questionnaire_link_expired") {
			t.Errorf("the expired link's access is not audited: %q", got)
		}

		// A draft, kept between visits; a file attached.
		res := f.Do("POST", link, areastest.Req{Form: url.Values{"action": {"draft"}, "a.Q01": {"yes"}, "c.Q02": {"A named CISO since 2024."}}})
		if res.StatusCode != 303 {
			t.Fatalf("draft: %d %s", res.StatusCode, res.Text)
		}
		if page := f.Do("GET", link, areastest.Req{}); !strings.Contains(page.Text, "A named CISO since 2024.") {
			t.Errorf("the draft is not shown again")
		}
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("question", "Q17")
		fw, _ := mw.CreateFormFile("file", "iso-certificate.pdf")
		_, _ = fw.Write([]byte("%PDF-1.4 certificate"))
		_ = mw.Close()
		upload := func() *areastest.Resp {
			return f.Do("POST", link+"/files", areastest.Req{Body: body.String(), Headers: map[string]string{"Content-Type": mw.FormDataContentType()}})
		}
		if res := upload(); res.StatusCode != 303 {
			t.Fatalf("upload: %d %s", res.StatusCode, res.Text)
		}
		// Submitting incomplete answers is refused, naming the questions.
		res = f.Do("POST", link, areastest.Req{Form: url.Values{"action": {"submit"}, "a.Q01": {"no"}}})
		if res.StatusCode != 422 || !strings.Contains(res.Text, "needs a comment") || !strings.Contains(res.Text, "needs an answer") {
			t.Fatalf("incomplete submission: %d", res.StatusCode)
		}
		res = f.Do("POST", link, areastest.Req{Form: fullAnswers()})
		if res.StatusCode != 200 || !strings.Contains(res.Text, "Already submitted") {
			t.Fatalf("submission: %d %s", res.StatusCode, res.Text)
		}
		// Used up: read-only, and refused for any further change.
		if page := f.Do("GET", link, areastest.Req{}); page.StatusCode != 200 || !strings.Contains(page.Text, "Already submitted") || strings.Contains(page.Text, `name="action"`) {
			t.Errorf("after submission: %d", page.StatusCode)
		}
		if res := f.Do("POST", link, areastest.Req{Form: fullAnswers()}); res.StatusCode != 409 {
			t.Errorf("a second submission: %d", res.StatusCode)
		}
		if res := upload(); res.StatusCode != 409 {
			t.Errorf("a file after submission: %d", res.StatusCode)
		}
		got := mgr.do("GET", "/api/v1/questionnaires/"+qid, "", 200)
		// Q01 (weight 3) partly: 1.5 of the whole weight lost.
		total := 0
		for _, q := range suppliers.StarterTemplate.Questions {
			total += q.Weight
		}
		want := float64(int(100*(float64(total)-1.5)/float64(total) + 0.5))
		if got["status"] != "submitted" || got["score"] != want || got["submitted_at"] == nil || len(got["files"].([]any)) != 1 {
			t.Fatalf("submitted: status %v score %v (want %v) files %v", got["status"], got["score"], want, got["files"])
		}
		// Review: a contributor may not; a follow-up needs a note; accepting sets the supplier's review dates.
		caller{t, f, f.Accounts[bulwark.RoleContributor].Token}.do("POST", "/api/v1/questionnaires/"+qid+"/accept", `{}`, 403)
		mgr.do("POST", "/api/v1/questionnaires/"+qid+"/follow-up", `{}`, 422)
		mgr.do("POST", "/api/v1/questionnaires/"+otherQ["id"].(string)+"/accept", `{}`, 409)
		fu := mgr.do("POST", "/api/v1/questionnaires/"+qid+"/follow-up", `{"note":"Send the policy review record."}`, 200)
		if fu["status"] != "follow_up" {
			t.Fatalf("follow-up: %v", fu)
		}
		acc := mgr.do("POST", "/api/v1/questionnaires/"+qid+"/accept", `{"reviewed_on":"2026-06-30"}`, 200)
		if acc["status"] != "accepted" || acc["reviewed_by"] != f.Accounts[bulwark.RoleManager].MemberID {
			t.Fatalf("accepted: %v", acc)
		}
		if sup := mgr.do("GET", "/api/v1/suppliers/"+sid, "", 200); sup["last_review_date"] != "2026-06-30" || sup["next_review_date"] != "2027-06-30" {
			t.Errorf("supplier after acceptance: %v %v", sup["last_review_date"], sup["next_review_date"])
		}
		// The reviewer's page and the file.
		cookie := f.SignIn(f.Accounts[bulwark.RoleManager].Email)
		if page := f.Do("GET", "/o/acme-ltd/questionnaires/"+qid, areastest.Req{Cookie: cookie}); page.StatusCode != 200 || !strings.Contains(page.Text, "iso-certificate.pdf") {
			t.Errorf("questionnaire page: %d", page.StatusCode)
		}
		if file := f.Do("GET", "/o/acme-ltd/questionnaires/"+qid+"/files/1", areastest.Req{Cookie: cookie}); file.StatusCode != 200 || file.Text != "%PDF-1.4 certificate" {
			t.Errorf("file: %d %q", file.StatusCode, file.Text)
		}
		// Every access through the link is in the organisation's audit log.
		got2 := auditActions(t, db, f.Org.ID, sid)
		for _, want := range []string{"supplier.questionnaire_send", "supplier.questionnaire_open", "supplier.questionnaire_draft", "supplier.questionnaire_attach",
			"supplier.questionnaire_submit", "supplier.questionnaire_follow_up", "supplier.questionnaire_accept"} {
			if !strings.Contains(got2, want) {
				t.Errorf("audit log lacks %s: %q", want, got2)
			}
		}
		// Readiness: the tier-1 supplier is assured by its accepted questionnaire (its next review is ahead).
		var r suppliers.Readiness
		if err := db.View(context.Background(), func(tx *sqlstore.Tx) error {
			var err error
			r, err = suppliers.ReadinessOf(context.Background(), tx, f.Org.ID, "2027-01-01")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if r.Tier1 != 1 || r.Tier1Assured != 1 {
			t.Errorf("readiness on 2027-01-01: %+v", r)
		}
		if err := db.View(context.Background(), func(tx *sqlstore.Tx) error {
			var err error
			r, err = suppliers.ReadinessOf(context.Background(), tx, f.Org.ID, "2027-07-01")
			return err
		}); err != nil || r.Tier1Assured != 0 {
			t.Errorf("readiness once the review is overdue: %+v %v", r, err)
		}
	})
}
