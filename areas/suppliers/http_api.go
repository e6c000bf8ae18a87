package suppliers

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/web"
)

// filterOf reads the list parameters of the supplier register.
func filterOf(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{Q: q.Get("q"), Status: q.Get("status"), OwnerID: q.Get("owner_id"), DataProcessed: q.Get("data_processed"), Certificate: q.Get("certificate"),
		ReviewFrom: q.Get("from"), ReviewTo: q.Get("to"), IncludeArchived: q.Get("include_archived") == "true", Sort: q.Get("sort"), Cursor: q.Get("cursor")}
	var v bulwark.Validation
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		v.Add("status", "must be one of onboarding, active, offboarding, ended")
	}
	if f.DataProcessed != "" && !slices.Contains(DataProcessedLevels, f.DataProcessed) {
		v.Add("data_processed", "must be one of none, internal, personal, special_category")
	}
	if f.Certificate != "" && !slices.Contains(CertificateStates, f.Certificate) {
		v.Add("certificate", "must be one of current, expiring, expired, none")
	}
	if t := q.Get("tier"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 3 {
			v.Add("tier", "must be 1, 2 or 3")
		}
		f.Tier = n
	}
	if pd := q.Get("personal_data"); pd != "" {
		b, err := strconv.ParseBool(pd)
		if err != nil {
			v.Add("personal_data", "must be true or false")
		}
		f.PersonalData = &b
	}
	for _, d := range []struct{ name, val string }{{"from", f.ReviewFrom}, {"to", f.ReviewTo}} {
		if d.val != "" && !bulwark.ValidDate(d.val) {
			v.Add(d.name, "must be a date such as 2026-12-31")
		}
	}
	f.Limit = web.PageLimit(q, &v)
	return f, v.Err()
}

// inputOf reads a supplier's fields from decoded values.
func inputOf(v field.Values) (Input, error) {
	in := Input{Ref: v.Str("ref"), Name: v.Str("name"), Services: v.Str("services"), Status: v.Str("status"), DataProcessed: v.Str("data_processed"),
		SystemAccess: v.Str("system_access"), Replaceability: v.Str("replaceability"), TierOverrideReason: v.Str("tier_override_reason"),
		OwnerID: v.NullStr("owner_id"), ContractStart: v.NullStr("contract_start"), ContractEnd: v.NullStr("contract_end"), DPASigned: v.NullStr("dpa_signed"),
		LastReview: v.NullStr("last_review_date"), TierOverride: v.NullInt("tier_override"), PersonalData: v.Bool("personal_data"),
		DataLocations: v.List("data_locations"), AssetIDs: v.List("asset_ids"), RiskIDs: v.List("risk_ids"), ControlIDs: v.List("control_ids")}
	var cs []Contact
	if ok, err := v.Into("contacts", &cs); err != nil {
		return in, bulwark.Invalid("contacts", "must be a list of {name, email, role}")
	} else if ok {
		if cs == nil {
			cs = []Contact{}
		}
		in.Contacts = &cs
	}
	return in, nil
}

func certificateInputOf(v field.Values) CertificateInput {
	return CertificateInput{Kind: v.Str("kind"), Name: v.Str("name"), Number: v.Str("number"), Body: v.Str("body"), Scope: v.Str("scope"),
		IssuedOn: v.NullStr("issued_on"), ExpiresOn: v.NullStr("expires_on"), ReportType: v.NullStr("report_type"), PeriodStart: v.NullStr("period_start"),
		PeriodEnd: v.NullStr("period_end"), EvidenceID: v.NullStr("evidence_id")}
}

func (h *handlers) apiList(w http.ResponseWriter, r *http.Request) {
	f, err := filterOf(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	items, next, err := h.svc.List(r.Context(), web.PrincipalFrom(r), f)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": web.NextCursor(next)})
}

func (h *handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	vals, _, err := h.Decode(w, r, SupplierEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	in, err := inputOf(vals)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	sup, err := h.svc.Create(r.Context(), web.PrincipalFrom(r), in)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/suppliers/"+sup.ID)
	web.SetETag(w, sup.Version)
	web.WriteJSON(w, http.StatusCreated, sup)
}

func (h *handlers) apiOne(w http.ResponseWriter, r *http.Request) {
	sup, err := h.svc.Get(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, sup.Version)
	web.WriteJSON(w, http.StatusOK, sup)
}

// found answers ENOTFOUND unless the path's supplier is of the principal's organisation: handlers that
// read a body call it first, so another organisation's id is a 404 before the body is validated.
func (h *handlers) found(r *http.Request) error {
	_, err := h.svc.Get(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	return err
}

func (h *handlers) apiPatch(w http.ResponseWriter, r *http.Request) {
	if err := h.found(r); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, SupplierEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	in, err := inputOf(vals)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	sup, err := h.svc.Update(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), in, expect, nil)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, sup.Version)
	web.WriteJSON(w, http.StatusOK, sup)
}

func (h *handlers) apiArchive(w http.ResponseWriter, r *http.Request) {
	expect, err := web.IfMatch(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	yes := true
	if _, err := h.svc.Update(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), Input{}, expect, &yes); err != nil {
		h.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handlers) apiTiering(w http.ResponseWriter, r *http.Request) {
	t, err := h.svc.Tiering(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, t.Version)
	web.WriteJSON(w, http.StatusOK, t)
}

func (h *handlers) apiTieringPut(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	cur, err := h.svc.Tiering(r.Context(), p)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, TieringEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	t := cur
	for _, m := range []struct {
		name string
		dst  *map[string]int
	}{{"data_processed", &t.DataProcessed}, {"system_access", &t.SystemAccess}, {"replaceability", &t.Replaceability}} {
		var pts map[string]int
		if ok, err := vals.Into(m.name, &pts); err != nil {
			h.Problem(w, r, err)
			return
		} else if ok {
			*m.dst = pts
		}
	}
	for _, n := range []struct {
		name string
		dst  *int
	}{{"tier1_from", &t.Tier1From}, {"tier2_from", &t.Tier2From}, {"review_years_tier1", &t.ReviewYears1}, {"review_years_tier2", &t.ReviewYears2}, {"review_years_tier3", &t.ReviewYears3}} {
		if v := vals.Int(n.name); v != nil {
			*n.dst = *v
		}
	}
	out, err := h.svc.SetTiering(r.Context(), p, t, expect)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, out.Version)
	web.WriteJSON(w, http.StatusOK, out)
}

func (h *handlers) apiCertificates(w http.ResponseWriter, r *http.Request) {
	items, err := h.svc.Certificates(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.URL.Query().Get("include_archived") == "true")
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": nil})
}

func (h *handlers) apiCertificateAdd(w http.ResponseWriter, r *http.Request) {
	if err := h.found(r); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, _, err := h.Decode(w, r, CertificateEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	c, err := h.svc.AddCertificate(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), certificateInputOf(vals))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/suppliers/"+c.SupplierID+"/certificates/"+c.ID)
	web.SetETag(w, c.Version)
	web.WriteJSON(w, http.StatusCreated, c)
}

// certificateFound answers ENOTFOUND unless the path's certificate is of the path's supplier, in the principal's organisation.
func (h *handlers) certificateFound(r *http.Request) error {
	certs, err := h.svc.Certificates(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), true)
	if err != nil {
		return err
	}
	for _, c := range certs {
		if c.ID == r.PathValue("certificate") {
			return nil
		}
	}
	return bulwark.Errorf(bulwark.ENOTFOUND, "Certificate not found.")
}

func (h *handlers) apiCertificatePatch(w http.ResponseWriter, r *http.Request) {
	if err := h.certificateFound(r); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, CertificateEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	c, err := h.svc.UpdateCertificate(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.PathValue("certificate"), certificateInputOf(vals), expect, false)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, c.Version)
	web.WriteJSON(w, http.StatusOK, c)
}

func (h *handlers) apiCertificateArchive(w http.ResponseWriter, r *http.Request) {
	expect, err := web.IfMatch(r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	if _, err := h.svc.UpdateCertificate(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.PathValue("certificate"), CertificateInput{}, expect, true); err != nil {
		h.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handlers) apiTemplates(w http.ResponseWriter, r *http.Request) {
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": Templates, "next_cursor": nil})
}

func (h *handlers) apiQuestionnaires(w http.ResponseWriter, r *http.Request) {
	items, err := h.svc.Questionnaires(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": nil})
}

func (h *handlers) apiSend(w http.ResponseWriter, r *http.Request) {
	if err := h.found(r); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, err := h.DecodeCreate(w, r, SendEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	in := SendInput{ContactEmail: bulwark.Value(vals.Str("contact_email")), ContactName: bulwark.Value(vals.Str("contact_name")), Template: bulwark.Value(vals.Str("template"))}
	if n := vals.Int("expires_in_days"); n != nil {
		in.ExpiresInDays = *n
	}
	q, err := h.svc.Send(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), in)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/questionnaires/"+q.ID)
	web.SetETag(w, q.Version)
	web.WriteJSON(w, http.StatusCreated, q)
}

func (h *handlers) apiQuestionnaire(w http.ResponseWriter, r *http.Request) {
	q, err := h.svc.Questionnaire(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.SetETag(w, q.Version)
	web.WriteJSON(w, http.StatusOK, q)
}

func (h *handlers) apiReview(accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := h.svc.Questionnaire(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
			h.Problem(w, r, err)
			return
		}
		vals, err := h.DecodeCreate(w, r, ReviewEntity)
		if err != nil {
			h.Problem(w, r, err)
			return
		}
		q, err := h.svc.Review(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), accept, bulwark.Value(vals.Str("note")), bulwark.Value(vals.Str("reviewed_on")))
		if err != nil {
			h.Problem(w, r, err)
			return
		}
		web.SetETag(w, q.Version)
		web.WriteJSON(w, http.StatusOK, q)
	}
}
