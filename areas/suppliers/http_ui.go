package suppliers

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/web"
)

// notices are the messages a page shows after a form succeeded (?done=…).
var notices = map[string]string{
	"created":     "Supplier added. Record its certificates, or send it the security questionnaire.",
	"saved":       "Saved.",
	"archived":    "Supplier archived: it no longer shows in the register.",
	"restored":    "Supplier restored.",
	"certificate": "Certificate saved.",
	"reviewed":    "Review recorded.",
	"tiering":     "Tiering saved; every supplier's tier and next review follow it.",
}

// words are the labels of the area's enumerated values, for pages.
var words = map[string]string{
	"none": "None", "internal": "Internal only", "personal": "Personal data", "special_category": "Special-category data (health, biometrics …)",
	"limited": "Limited", "privileged": "Privileged", "easy": "Easy", "moderate": "Moderate", "hard": "Hard",
	"onboarding": "Onboarding", "active": "Active", "offboarding": "Offboarding", "ended": "Ended",
	"iso27001": "ISO/IEC 27001", "soc2": "SOC 2", "other": "Other", "type1": "Type 1", "type2": "Type 2",
	"current": "Current", "expiring": "Expiring soon", "expired": "Expired",
	"sent": "Sent, not started", "draft": "Being answered", "submitted": "Submitted", "accepted": "Accepted", "follow_up": "Follow-ups raised",
	"yes": "Yes", "no": "No", "partial": "Partly", "na": "Not applicable",
}

// word is the label of an enumerated value.
func word(s string) string {
	if w, ok := words[s]; ok {
		return w
	}
	return s
}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	f, err := filterOf(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	f.Limit = 500
	items, _, err := h.svc.List(r.Context(), p, f)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	q := r.URL.Query()
	h.Render(w, r, http.StatusOK, "suppliers-list", &web.Page{Title: "Suppliers", Nav: "suppliers", Data: map[string]any{
		"Items": items, "Names": names, "Statuses": Statuses, "Tiers": []string{"1", "2", "3"}, "States": CertificateStates, "Words": words, "Today": today(p),
		"Q":        map[string]string{"status": q.Get("status"), "tier": q.Get("tier"), "certificate": q.Get("certificate"), "q": q.Get("q")},
		"Filtered": f.Status != "" || f.Tier != 0 || f.Certificate != "" || f.Q != "", "CanImport": p.Can(PermImport)}})
}

// formData is what the supplier forms choose from.
func (h *handlers) formData(r *http.Request) (map[string]any, error) {
	members, names, err := h.Directory(r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Members": members, "Names": names, "Statuses": Statuses, "DataLevels": DataProcessedLevels, "AccessLevels": SystemAccessLevels,
		"ReplaceLevels": ReplaceabilityLevels, "Tiers": []string{"1", "2", "3"}, "Kinds": CertificateKinds, "ReportTypes": ReportTypes, "Words": words}, nil
}

func (h *handlers) newPage(w http.ResponseWriter, r *http.Request) {
	data, err := h.formData(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "supplier-new", &web.Page{Title: "Add a supplier", Nav: "suppliers", Data: data,
		Form: map[string]string{"status": StatusOnboarding, "data_processed": "none", "system_access": "none", "replaceability": "easy"}})
}

// formInput reads a supplier form: only the fields the form holds change.
func formInput(r *http.Request) Input {
	in := Input{Name: web.FormField(r, "name"), Services: web.FormField(r, "services"), Status: web.FormField(r, "status"),
		DataProcessed: web.FormField(r, "data_processed"), SystemAccess: web.FormField(r, "system_access"), Replaceability: web.FormField(r, "replaceability"),
		TierOverrideReason: web.FormField(r, "tier_override_reason"), OwnerID: web.FormOptional(r, "owner_id"), ContractStart: web.FormOptional(r, "contract_start"),
		ContractEnd: web.FormOptional(r, "contract_end"), DPASigned: web.FormOptional(r, "dpa_signed")}
	if _, ok := r.PostForm["personal_data_sent"]; ok {
		b := r.PostFormValue("personal_data") == "on" || r.PostFormValue("personal_data") == "true"
		in.PersonalData = &b
	}
	if s := web.FormField(r, "tier_override"); s != nil {
		var v *int
		if n, err := strconv.Atoi(strings.TrimSpace(*s)); err == nil {
			v = &n
		}
		in.TierOverride = &v
	}
	if s := web.FormField(r, "data_locations"); s != nil {
		l := strings.FieldsFunc(*s, func(c rune) bool { return c == ',' || c == ' ' || c == '|' })
		in.DataLocations = &l
	}
	if _, ok := r.PostForm["contact_name"]; ok {
		names, emails, roles := r.PostForm["contact_name"], r.PostForm["contact_email"], r.PostForm["contact_role"]
		cs := []Contact{}
		for i := range names {
			c := Contact{Name: names[i]}
			if i < len(emails) {
				c.Email = emails[i]
			}
			if i < len(roles) {
				c.Role = roles[i]
			}
			cs = append(cs, c)
		}
		in.Contacts = &cs
	}
	return in
}

var formFields = []string{"name", "services", "status", "data_processed", "system_access", "replaceability", "tier_override", "tier_override_reason",
	"owner_id", "contract_start", "contract_end", "dpa_signed", "data_locations"}

func (h *handlers) createSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	sup, err := h.svc.Create(r.Context(), p, formInput(r))
	if err != nil {
		data, derr := h.formData(r)
		if derr != nil {
			h.RenderError(w, r, derr)
			return
		}
		pg := &web.Page{Title: "Add a supplier", Nav: "suppliers", Data: data, Form: web.FormValues(r, formFields...)}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.Render(w, r, status, "supplier-new", pg)
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/suppliers/"+sup.ID+"?done=created", http.StatusSeeOther)
}

// renderPage shows a supplier; pg carries a failed form's error or a new link, or is nil.
func (h *handlers) renderPage(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	p := web.PrincipalFrom(r)
	sup, err := h.svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	certs, err := h.svc.Certificates(r.Context(), p, sup.ID, false)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	qs, err := h.svc.Questionnaires(r.Context(), p, sup.ID)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	tiering, err := h.svc.Tiering(r.Context(), p)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	data, err := h.formData(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	if pg == nil {
		pg = &web.Page{Notice: notices[r.URL.Query().Get("done")]}
	}
	contacts := append([]Contact{}, sup.Contacts...)
	contacts = append(contacts, Contact{}) // one empty row to add a contact
	data["S"], data["Certs"], data["Qs"], data["Contacts"] = sup, certs, qs, contacts
	data["Points"] = tiering.Score(sup.DataProcessed, sup.SystemAccess, sup.Replaceability)
	data["ReviewYears"] = tiering.ReviewYears(sup.Tier)
	data["CanEdit"] = p.Can(bulwark.PermISMSEdit) || (p.Can(bulwark.PermISMSEditOwn) && sup.OwnerID != nil && *sup.OwnerID == p.MemberID)
	data["Locations"] = strings.Join(sup.DataLocations, ", ")
	pg.Title, pg.Nav, pg.Data = sup.Ref+" "+sup.Name, "suppliers", data
	h.Render(w, r, status, "supplier", pg)
}

func (h *handlers) page(w http.ResponseWriter, r *http.Request) {
	h.renderPage(w, r, http.StatusOK, nil)
}

// done redirects to the record's page after a form, or shows it again with the form's error.
func (h *handlers) done(w http.ResponseWriter, r *http.Request, err error, notice, anchor string, form ...string) {
	h.FormDone(w, r, err, "suppliers", notice, anchor, h.renderPage, form...)
}

func (h *handlers) editSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, err := h.svc.Update(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), formInput(r), web.FormVersion(r), nil)
	h.done(w, r, err, "saved", "edit", formFields...)
}

func (h *handlers) archiveSubmit(archive bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := web.ParseForm(w, r); err != nil {
			h.RenderError(w, r, err)
			return
		}
		_, err := h.svc.Update(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), Input{}, web.FormVersion(r), &archive)
		notice := "restored"
		if archive {
			notice = "archived"
		}
		h.done(w, r, err, notice, "top")
	}
}

func (h *handlers) certificateSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := CertificateInput{Kind: web.FormField(r, "kind"), Name: web.FormField(r, "cert_name"), Number: web.FormField(r, "number"), Body: web.FormField(r, "body"),
		Scope: web.FormField(r, "scope"), IssuedOn: web.FormOptional(r, "issued_on"), ExpiresOn: web.FormOptional(r, "expires_on"),
		ReportType: web.FormOptional(r, "report_type"), PeriodStart: web.FormOptional(r, "period_start"), PeriodEnd: web.FormOptional(r, "period_end"),
		EvidenceID: web.FormOptional(r, "evidence_id")}
	_, err := h.svc.AddCertificate(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), in)
	h.done(w, r, err, "certificate", "certificates", "kind", "cert_name", "number", "body", "scope", "issued_on", "expires_on", "report_type", "period_start", "period_end", "evidence_id")
}

func (h *handlers) certificateArchiveSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, err := h.svc.UpdateCertificate(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.PathValue("certificate"), CertificateInput{}, nil, true)
	h.done(w, r, err, "certificate", "certificates")
}

// sendSubmit sends a questionnaire and shows the supplier's page with the new personal link, once.
func (h *handlers) sendSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := SendInput{ContactEmail: r.PostFormValue("contact_email"), ContactName: r.PostFormValue("contact_name")}
	if d := strings.TrimSpace(r.PostFormValue("expires_in_days")); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			n = -1
		}
		in.ExpiresInDays = n
	}
	q, err := h.svc.Send(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), in)
	if err != nil {
		h.done(w, r, err, "", "questionnaires", "contact_email", "contact_name", "expires_in_days")
		return
	}
	pg := &web.Page{Notice: fmt.Sprintf("%s is ready. Send this personal link to %s; it works until %s, and only until the answers are submitted.", q.Ref, q.ContactEmail, q.ExpiresAt.Format("2 Jan 2006")),
		Form: map[string]string{"link": q.Link, "link_ref": q.Ref}}
	h.renderPage(w, r, http.StatusOK, pg)
}

func (h *handlers) tieringPage(w http.ResponseWriter, r *http.Request) {
	h.renderTiering(w, r, http.StatusOK, &web.Page{Notice: notices[r.URL.Query().Get("done")]})
}

func (h *handlers) renderTiering(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	t, err := h.svc.Tiering(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	type row struct {
		Name, Label string
		Levels      []string
		Points      map[string]int
	}
	pg.Title, pg.Nav = "Supplier tiering", "suppliers"
	pg.Data = map[string]any{"T": t, "Words": words, "Rows": []row{{"data_processed", "Data processed", DataProcessedLevels, t.DataProcessed},
		{"system_access", "Access to systems", SystemAccessLevels, t.SystemAccess}, {"replaceability", "Replaceability", ReplaceabilityLevels, t.Replaceability}}}
	h.Render(w, r, status, "supplier-tiering", pg)
}

func (h *handlers) tieringSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	t, err := h.svc.Tiering(r.Context(), p)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	num := func(name string, dst *int) {
		if n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name))); err == nil {
			*dst = n
		} else if _, ok := r.PostForm[name]; ok {
			*dst = -1 // refused by validation, naming the field
		}
	}
	for _, q := range []struct {
		name   string
		levels []string
		points *map[string]int
	}{{"data_processed", DataProcessedLevels, &t.DataProcessed}, {"system_access", SystemAccessLevels, &t.SystemAccess}, {"replaceability", ReplaceabilityLevels, &t.Replaceability}} {
		pts := map[string]int{}
		for _, l := range q.levels {
			n := (*q.points)[l]
			num(q.name+"."+l, &n)
			pts[l] = n
		}
		*q.points = pts
	}
	num("tier1_from", &t.Tier1From)
	num("tier2_from", &t.Tier2From)
	num("review_years_tier1", &t.ReviewYears1)
	num("review_years_tier2", &t.ReviewYears2)
	num("review_years_tier3", &t.ReviewYears3)
	if _, err := h.svc.SetTiering(r.Context(), p, t, web.FormVersion(r)); err != nil {
		pg := &web.Page{}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.renderTiering(w, r, status, pg)
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/suppliers/tiering?done=tiering", http.StatusSeeOther)
}

func (h *handlers) questionnairePage(w http.ResponseWriter, r *http.Request) {
	h.renderQuestionnaire(w, r, http.StatusOK, &web.Page{Notice: notices[r.URL.Query().Get("done")]})
}

func (h *handlers) renderQuestionnaire(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	p := web.PrincipalFrom(r)
	q, err := h.svc.Questionnaire(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	pg.Title, pg.Nav = q.Ref+" "+q.SupplierName, "suppliers"
	pg.Data = map[string]any{"Q": q, "Names": names, "Words": words, "CanReview": p.Can(bulwark.PermISMSEdit), "Today": today(p)}
	h.Render(w, r, status, "supplier-questionnaire", pg)
}

func (h *handlers) reviewSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	accept := r.PostFormValue("decision") == "accept"
	q, err := h.svc.Review(r.Context(), p, r.PathValue("id"), accept, r.PostFormValue("note"), strings.TrimSpace(r.PostFormValue("reviewed_on")))
	if err != nil {
		pg := &web.Page{Form: web.FormValues(r, "note", "reviewed_on")}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.renderQuestionnaire(w, r, status, pg)
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/questionnaires/"+q.ID+"?done=reviewed", http.StatusSeeOther)
}

func (h *handlers) fileDownload(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("file"))
	if err != nil {
		h.RenderError(w, r, bulwark.Errorf(bulwark.ENOTFOUND, "File not found."))
		return
	}
	f, rc, err := h.svc.QuestionnaireFile(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), n)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(f.Filename))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.FormatInt(f.Size, 10))
	_, _ = io.Copy(w, rc)
}
