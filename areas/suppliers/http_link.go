package suppliers

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/web"
)

// linkPage is what a questionnaire link shows: the questions with the answers
// saved so far, or the read-only answers once submitted, or why the link does not work.
func (h *handlers) linkPage(w http.ResponseWriter, r *http.Request) {
	notice := map[string]string{"draft": "Your answers are saved. You can come back to this link to finish them.",
		"file": "The file is attached."}[r.URL.Query().Get("done")]
	h.renderLink(w, r, http.StatusOK, &web.Page{Notice: notice})
}

func (h *handlers) renderLink(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the URL
	w.Header().Set("Cache-Control", "no-store")
	t, err := h.svc.OpenLink(r.Context(), r.PathValue("token"), h.Meta(r))
	if err != nil {
		h.Render(w, r, h.ErrorStatus(r, err), "supplier-link", &web.Page{Title: "Link not valid", Error: bulwark.ErrorMessage(err)})
		return
	}
	t.MaxUpload = h.MaxUpload() >> 20
	if pg.Form == nil {
		pg.Form = map[string]string{}
	}
	pg.Title = t.Questionnaire.Ref + " security questionnaire"
	pg.Data = map[string]any{"T": t, "Words": words, "Answers": AnswerValues, "CanAttach": h.svc.Blobs() != nil, "Token": r.PathValue("token")}
	h.Render(w, r, status, "supplier-link", pg)
}

// linkSubmit saves the answers of the link's form: a draft, or the final answers (action=submit).
func (h *handlers) linkSubmit(w http.ResponseWriter, r *http.Request) {
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	answers := map[string]Answer{}
	for k, vs := range r.PostForm {
		id, ok := strings.CutPrefix(k, "a.")
		if !ok || len(vs) == 0 {
			continue
		}
		a := answers[id]
		a.Value = vs[0]
		answers[id] = a
	}
	for k, vs := range r.PostForm {
		id, ok := strings.CutPrefix(k, "c.")
		if !ok || len(vs) == 0 {
			continue
		}
		a := answers[id]
		a.Comment = vs[0]
		answers[id] = a
	}
	submit := r.PostFormValue("action") == "submit"
	token := r.PathValue("token")
	q, err := h.svc.AnswerByLink(r.Context(), token, answers, submit, h.Meta(r))
	if err != nil {
		code := bulwark.ErrorCode(err)
		if code == bulwark.EINVALID {
			pg := &web.Page{Form: map[string]string{}}
			for id, a := range answers {
				pg.Form["a."+id], pg.Form["c."+id] = a.Value, a.Comment
			}
			if status, ok := h.FormFailure(w, r, pg, err); ok {
				h.renderLinkWith(w, r, status, pg, answers)
			}
			return
		}
		h.Render(w, r, h.ErrorStatus(r, err), "supplier-link", &web.Page{Title: "Link not valid", Error: bulwark.ErrorMessage(err)})
		return
	}
	if q.Status == QSubmitted {
		h.renderLink(w, r, http.StatusOK, &web.Page{Notice: "Thank you: your answers are submitted. This link now shows them read-only."})
		return
	}
	http.Redirect(w, r, LinkPath(token)+"?done=draft", http.StatusSeeOther)
}

// renderLinkWith shows the link's form with the answers just sent, after they were refused.
func (h *handlers) renderLinkWith(w http.ResponseWriter, r *http.Request, status int, pg *web.Page, answers map[string]Answer) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	t, err := h.svc.OpenLink(r.Context(), r.PathValue("token"), h.Meta(r))
	if err != nil {
		h.Render(w, r, h.ErrorStatus(r, err), "supplier-link", &web.Page{Title: "Link not valid", Error: bulwark.ErrorMessage(err)})
		return
	}
	t.MaxUpload = h.MaxUpload() >> 20
	for id, a := range answers {
		t.Questionnaire.Answers[id] = a
	}
	pg.Title = t.Questionnaire.Ref + " security questionnaire"
	pg.Data = map[string]any{"T": t, "Words": words, "Answers": AnswerValues, "CanAttach": h.svc.Blobs() != nil, "Token": r.PathValue("token")}
	h.Render(w, r, status, "supplier-link", pg)
}

// linkUpload attaches a file sent through the link's upload form (multipart: file, question).
func (h *handlers) linkUpload(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	fail := func(err error) {
		h.renderLink(w, r, h.ErrorStatus(r, err), &web.Page{Error: bulwark.ErrorMessage(err)})
	}
	max := h.MaxUpload()
	r.Body = http.MaxBytesReader(w, r.Body, max+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		fail(bulwark.Errorf(bulwark.EMALFORMED, "Choose a file to attach."))
		return
	}
	question := ""
	attached := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				fail(bulwark.Errorf(bulwark.ETOOLARGE, "The file is larger than the %d MB allowed.", max>>20))
				return
			}
			fail(bulwark.Errorf(bulwark.EMALFORMED, "The upload could not be read."))
			return
		}
		switch part.FormName() {
		case "question":
			b, _ := io.ReadAll(io.LimitReader(part, 100))
			question = strings.TrimSpace(string(b))
		case "file":
			if part.FileName() == "" || attached {
				break
			}
			_, err := h.svc.AttachByLink(r.Context(), token, question, part.FileName(), part, max, h.Meta(r))
			if err != nil {
				part.Close()
				fail(err)
				return
			}
			attached = true
		}
		part.Close()
	}
	if !attached {
		fail(bulwark.Invalid("file", "choose a file to attach"))
		return
	}
	http.Redirect(w, r, LinkPath(token)+"?done=file", http.StatusSeeOther)
}
