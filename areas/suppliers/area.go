package suppliers

import (
	"embed"
	"html/template"
	"net/http"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/web"
)

//go:embed templates
var templates embed.FS

// handlers serve the area's pages and API over the kernel's server.
type handlers struct {
	*web.Server
	svc *Service
}

// Area mounts the supplier register on the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "suppliers", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: h.routes(), Dashboard: h.dashboardPart, Tasks: h.tasks}
	}}
}

// register is the supplier register as the import and export engine serves it.
func (h *handlers) register() web.Register {
	return web.Register{Kind: "suppliers", Title: "suppliers", Fields: Fields, Import: h.svc.Import, Export: h.svc.Export}
}

// listParams are the query parameters of the supplier list.
var listParams = field.ListParams([]string{"ref", "name", "tier", "status", "next_review_date", "created_at", "updated_at"},
	field.Param{Name: "status", Enum: Statuses}, field.Param{Name: "tier", Kind: field.Int, Help: "1, 2 or 3"}, field.Param{Name: "owner_id"},
	field.Param{Name: "data_processed", Enum: DataProcessedLevels}, field.Param{Name: "personal_data", Kind: field.Bool},
	field.Param{Name: "certificate", Enum: CertificateStates, Help: "the state of the supplier's best certificate"},
	field.Param{Name: "from", Kind: field.Date, Help: "next review on or after"}, field.Param{Name: "to", Kind: field.Date, Help: "next review on or before"})

func (h *handlers) routes() []web.Route {
	s, reg := h.Server, h.register()
	return []web.Route{
		{Method: "GET", Pattern: "/api/v1/suppliers", Perm: bulwark.PermISMSRead, Summary: "List suppliers", Handler: h.apiList, Response: SupplierEntity, List: true, Query: listParams},
		{Method: "POST", Pattern: "/api/v1/suppliers", Perm: bulwark.PermISMSCreate, Summary: "Add a supplier; its tier is computed from its answers", Handler: h.apiCreate, Request: SupplierEntity, Response: SupplierEntity, Status: http.StatusCreated},
		s.ImportRoute(reg, PermImport),
		s.ExportRoute(reg, bulwark.PermISMSRead),
		{Method: "GET", Pattern: "/api/v1/suppliers/{id}", Perm: bulwark.PermISMSRead, Summary: "Read a supplier", Handler: h.apiOne, Response: SupplierEntity},
		{Method: "PATCH", Pattern: "/api/v1/suppliers/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Change a supplier", Handler: h.apiPatch, Request: SupplierEntity, Response: SupplierEntity},
		{Method: "DELETE", Pattern: "/api/v1/suppliers/{id}", Perm: bulwark.PermISMSEditOwn, Summary: "Archive a supplier", Handler: h.apiArchive, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/api/v1/supplier-tiering", Perm: bulwark.PermISMSRead, Summary: "The organisation's supplier tiering: points per answer, thresholds, review intervals", Handler: h.apiTiering, Response: TieringEntity},
		{Method: "PUT", Pattern: "/api/v1/supplier-tiering", Perm: bulwark.PermISMSEdit, Summary: "Change the supplier tiering; every supplier's tier and next review follow", Handler: h.apiTieringPut, Request: TieringEntity, Response: TieringEntity},
		{Method: "GET", Pattern: "/api/v1/suppliers/{id}/certificates", Perm: bulwark.PermISMSRead, Summary: "A supplier's certificates and reports, soonest expiry first", Handler: h.apiCertificates, Response: CertificateEntity, List: true,
			Query: []field.Param{{Name: "include_archived", Kind: field.Bool, Help: "also list archived certificates"}}},
		{Method: "POST", Pattern: "/api/v1/suppliers/{id}/certificates", Perm: bulwark.PermISMSEditOwn, Summary: "Record a certificate or report", Handler: h.apiCertificateAdd, Request: CertificateEntity, Response: CertificateEntity, Status: http.StatusCreated},
		{Method: "PATCH", Pattern: "/api/v1/suppliers/{id}/certificates/{certificate}", Perm: bulwark.PermISMSEditOwn, Summary: "Change a certificate", Handler: h.apiCertificatePatch, Request: CertificateEntity, Response: CertificateEntity},
		{Method: "DELETE", Pattern: "/api/v1/suppliers/{id}/certificates/{certificate}", Perm: bulwark.PermISMSEditOwn, Summary: "Archive a certificate", Handler: h.apiCertificateArchive, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/api/v1/questionnaire-templates", Perm: bulwark.PermISMSRead, Summary: "The questionnaires that can be sent to suppliers", Handler: h.apiTemplates, Response: TemplateEntity, List: true},
		{Method: "GET", Pattern: "/api/v1/suppliers/{id}/questionnaires", Perm: bulwark.PermISMSRead, Summary: "A supplier's questionnaires, newest first", Handler: h.apiQuestionnaires, Response: QuestionnaireEntity, List: true},
		{Method: "POST", Pattern: "/api/v1/suppliers/{id}/questionnaires", Perm: bulwark.PermISMSEditOwn, Summary: "Send a questionnaire to a supplier contact: the answer holds the contact's personal link", Handler: h.apiSend, Request: SendEntity, Response: QuestionnaireEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/questionnaires/{id}", Perm: bulwark.PermISMSRead, Summary: "Read a questionnaire with its answers and score", Handler: h.apiQuestionnaire, Response: QuestionnaireEntity},
		{Method: "POST", Pattern: "/api/v1/questionnaires/{id}/accept", Perm: bulwark.PermISMSEdit, Summary: "Accept a submitted questionnaire: the supplier's last review becomes the review day", Handler: h.apiReview(true), Request: ReviewEntity, Response: QuestionnaireEntity},
		{Method: "POST", Pattern: "/api/v1/questionnaires/{id}/follow-up", Perm: bulwark.PermISMSEdit, Summary: "Raise follow-ups on a submitted questionnaire (a note is required)", Handler: h.apiReview(false), Request: ReviewEntity, Response: QuestionnaireEntity},

		{Method: "GET", Pattern: "/o/{slug}/suppliers", Perm: bulwark.PermISMSRead, Handler: h.listPage},
		{Method: "GET", Pattern: "/o/{slug}/suppliers/new", Perm: bulwark.PermISMSCreate, Handler: h.newPage},
		{Method: "POST", Pattern: "/o/{slug}/suppliers", Perm: bulwark.PermISMSCreate, Handler: h.createSubmit},
		{Method: "POST", Pattern: "/o/{slug}/suppliers/export", Perm: bulwark.PermISMSRead, Handler: s.Export(reg)},
		{Method: "GET", Pattern: "/o/{slug}/suppliers/tiering", Perm: bulwark.PermISMSRead, Handler: h.tieringPage},
		{Method: "POST", Pattern: "/o/{slug}/suppliers/tiering", Perm: bulwark.PermISMSEdit, Handler: h.tieringSubmit},
		{Method: "GET", Pattern: "/o/{slug}/import/suppliers", Perm: PermImport, Handler: s.ImportPage(reg)},
		{Method: "POST", Pattern: "/o/{slug}/import/suppliers", Perm: PermImport, Handler: s.ImportUpload(reg)},
		{Method: "GET", Pattern: "/o/{slug}/import/suppliers/{id}", Perm: PermImport, Handler: s.ImportPreview(reg)},
		{Method: "POST", Pattern: "/o/{slug}/import/suppliers/{id}/confirm", Perm: PermImport, Handler: s.ImportConfirm(reg)},
		{Method: "GET", Pattern: "/o/{slug}/suppliers/{id}", Perm: bulwark.PermISMSRead, Handler: h.page},
		{Method: "POST", Pattern: "/o/{slug}/suppliers/{id}", Perm: bulwark.PermISMSEditOwn, Handler: h.editSubmit},
		{Method: "POST", Pattern: "/o/{slug}/suppliers/{id}/archive", Perm: bulwark.PermISMSEditOwn, Handler: h.archiveSubmit(true)},
		{Method: "POST", Pattern: "/o/{slug}/suppliers/{id}/restore", Perm: bulwark.PermISMSEditOwn, Handler: h.archiveSubmit(false)},
		{Method: "POST", Pattern: "/o/{slug}/suppliers/{id}/certificates", Perm: bulwark.PermISMSEditOwn, Handler: h.certificateSubmit},
		{Method: "POST", Pattern: "/o/{slug}/suppliers/{id}/certificates/{certificate}/archive", Perm: bulwark.PermISMSEditOwn, Handler: h.certificateArchiveSubmit},
		{Method: "POST", Pattern: "/o/{slug}/suppliers/{id}/questionnaires", Perm: bulwark.PermISMSEditOwn, Handler: h.sendSubmit},
		{Method: "GET", Pattern: "/o/{slug}/questionnaires/{id}", Perm: bulwark.PermISMSRead, Handler: h.questionnairePage},
		{Method: "POST", Pattern: "/o/{slug}/questionnaires/{id}/review", Perm: bulwark.PermISMSEdit, Handler: h.reviewSubmit},
		{Method: "GET", Pattern: "/o/{slug}/questionnaires/{id}/files/{file}", Perm: bulwark.PermISMSRead, Handler: h.fileDownload},

		{Method: "GET", Pattern: "/q/{token}", Perm: bulwark.PermPublic, Handler: h.linkPage},
		{Method: "POST", Pattern: "/q/{token}", Perm: bulwark.PermPublic, Handler: h.linkSubmit},
		{Method: "POST", Pattern: "/q/{token}/files", Perm: bulwark.PermPublic, Handler: h.linkUpload},
	}
}

// dashboardPart shows certificates expired or expiring within 60 days, and suppliers due for review.
func (h *handlers) dashboardPart(r *http.Request) (template.HTML, error) {
	p := web.PrincipalFrom(r)
	if !p.Can(bulwark.PermISMSRead) {
		return "", nil
	}
	due, err := h.svc.CertificatesDue(r.Context(), p, "")
	if err != nil {
		return "", err
	}
	reviews, err := h.svc.ReviewsDue(r.Context(), p, "", today(p))
	if err != nil {
		return "", err
	}
	if len(due) == 0 && len(reviews) == 0 {
		return "", nil
	}
	expired, expiring := 0, 0
	for _, d := range due {
		if d.State == CertExpired {
			expired++
		} else {
			expiring++
		}
	}
	if len(due) > 10 {
		due = due[:10]
	}
	return h.Partial("suppliers-dashboard", &web.Page{P: p, Data: map[string]any{"Due": due, "Expired": expired, "Expiring": expiring, "Reviews": len(reviews)}})
}

// tasks lists the certificates of the member's suppliers that expired or expire
// within 60 days, and the member's suppliers due for review.
func (h *handlers) tasks(r *http.Request) (web.Tasks, error) {
	p := web.PrincipalFrom(r)
	if p.MemberID == "" || !p.Can(bulwark.PermISMSRead) {
		return web.Tasks{}, nil
	}
	due, err := h.svc.CertificatesDue(r.Context(), p, p.MemberID)
	if err != nil {
		return web.Tasks{}, err
	}
	reviews, err := h.svc.ReviewsDue(r.Context(), p, p.MemberID, today(p))
	if err != nil {
		return web.Tasks{}, err
	}
	type certTask struct {
		SupplierID   string  `json:"supplier_id"`
		SupplierRef  string  `json:"supplier_ref"`
		SupplierName string  `json:"supplier_name"`
		ID           string  `json:"certificate_id"`
		Kind         string  `json:"kind"`
		ExpiresOn    *string `json:"expires_on"`
		State        string  `json:"state"`
	}
	certs := []certTask{}
	for _, d := range due {
		certs = append(certs, certTask{d.SupplierID, d.SupplierRef, d.SupplierName, d.ID, d.Kind, d.ExpiresOn, d.State})
	}
	type reviewTask struct {
		ID         string  `json:"supplier_id"`
		Ref        string  `json:"supplier_ref"`
		Name       string  `json:"supplier_name"`
		NextReview *string `json:"next_review_date"`
	}
	revs := []reviewTask{}
	for _, s := range reviews {
		revs = append(revs, reviewTask{s.ID, s.Ref, s.Name, s.NextReviewDate})
	}
	n := len(certs) + len(revs)
	if n == 0 {
		return web.Tasks{JSON: map[string]any{"supplier_certificates_due": certs, "supplier_reviews_due": revs}}, nil
	}
	html, err := h.Partial("suppliers-tasks", &web.Page{P: p, Data: map[string]any{"Certs": due, "Reviews": reviews}})
	if err != nil {
		return web.Tasks{}, err
	}
	return web.Tasks{Count: n, HTML: html, JSON: map[string]any{"supplier_certificates_due": certs, "supplier_reviews_due": revs}}, nil
}
