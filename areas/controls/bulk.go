package controls

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/web"
)

// controlBulk is a change given to many controls at once.
type controlBulk struct {
	IDs                    []string `json:"ids"`
	OwnerID                *string  `json:"owner_id"`
	Status                 string   `json:"status"`
	ReviewDate             *string  `json:"review_date"`
	ExclusionJustification string   `json:"exclusion_justification"`
}

// ControlBulkEntity declares the bulk change: the controls, and what each of them gets.
var ControlBulkEntity = field.FromStruct("ControlBulkChange", controlBulk{}).
	Writable("ids", "owner_id", "status", "review_date", "exclusion_justification").Require("ids").OneOf("status", ControlStatuses).
	Describe("ids", "Controls", "the ids of the controls to change (at most 1,000)").
	Describe("owner_id", "Owner", "the new owner of every control; null clears it").
	Describe("exclusion_justification", "Exclusion justification", "given to every control; needed to mark controls not applicable that have none")

// bulkInput is the control input of a bulk change: only what was given.
func bulkInput(v field.Values) ControlInput {
	return ControlInput{OwnerID: v.NullStr("owner_id"), Status: v.Str("status"), ReviewDate: v.NullStr("review_date"), ExclusionJustification: v.Str("exclusion_justification")}
}

func (h *handlers) apiControlsBulk(w http.ResponseWriter, r *http.Request) {
	vals, err := h.DecodeCreate(w, r, ControlBulkEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	n, err := h.svc.BulkUpdateControls(r.Context(), web.PrincipalFrom(r), *vals.List("ids"), bulkInput(vals))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"updated": n})
}

// controlsBulkSubmit applies the list page's bulk form: the ticked controls get what was chosen; an owner left
// on "keep", and a status, review date or justification left empty, stay as each control has them.
func (h *handlers) controlsBulkSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	var names []string
	if r.FormValue("owner_id") != "keep" { // "" is nobody
		names = append(names, "owner_id")
	}
	if r.FormValue("status") != "" {
		names = append(names, "status")
	}
	if r.FormValue("review_date") != "" {
		names = append(names, "review_date")
	}
	if r.FormValue("exclusion_justification") != "" {
		names = append(names, "exclusion_justification")
	}
	if len(names) == 0 {
		h.bulkError(w, r, bulwark.Invalid("status", "choose what to change: an owner, a status or a review date"))
		return
	}
	vals, err := ControlEntity.DecodeForm(r.Form, names...)
	if err != nil {
		h.bulkError(w, r, err)
		return
	}
	n, err := h.svc.BulkUpdateControls(r.Context(), p, r.Form["ids"], controlInputOf(vals))
	if err != nil {
		h.bulkError(w, r, err)
		return
	}
	q, _ := url.ParseQuery(r.FormValue("back"))
	q.Set("bulk", strconv.Itoa(n))
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/controls?"+q.Encode(), http.StatusSeeOther)
}

// bulkError shows the list again, its filters kept, with why the bulk change was refused (nothing changed).
func (h *handlers) bulkError(w http.ResponseWriter, r *http.Request, err error) {
	if bulwark.ErrorCode(err) == bulwark.EINTERNAL {
		h.RenderError(w, r, err)
		return
	}
	q, _ := url.ParseQuery(r.FormValue("back"))
	r.URL.RawQuery = q.Encode()
	msg := bulwark.ErrorMessage(err)
	if be, ok := err.(*bulwark.Error); ok && len(be.Fields) > 0 {
		msg = ""
		for i, f := range be.Fields {
			if i > 0 {
				msg += "; "
			}
			msg += f.Message
		}
	}
	h.renderControls(w, r, http.StatusUnprocessableEntity, "Nothing was changed. "+msg)
}

// linkDecision is a person's decision on a link a mapping suggested.
type linkDecision struct {
	RequirementID string `json:"requirement_id"`
	Decision      string `json:"decision"`
}

// LinkDecisionEntity declares it: which requirement, confirm or reject.
var LinkDecisionEntity = field.FromStruct("RequirementLinkDecision", linkDecision{}).Writable("requirement_id", "decision").
	Require("requirement_id", "decision").OneOf("decision", []string{"confirm", "reject"}).
	Describe("decision", "Decision", "confirm: the link counts as a person's; reject: it counts for nothing")

func (h *handlers) apiLinkDecision(w http.ResponseWriter, r *http.Request) {
	if err := h.found(r); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, err := h.DecodeCreate(w, r, LinkDecisionEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	c, err := h.svc.DecideRequirementLink(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), *vals.Str("requirement_id"), *vals.Str("decision"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}

// linkDecisionSubmit takes a confirm or reject button of the control page.
func (h *handlers) linkDecisionSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	id := r.PathValue("id")
	if err := h.found(r); err != nil { // another organisation's control: 404 whatever the form says
		h.RenderError(w, r, err)
		return
	}
	if _, err := h.svc.DecideRequirementLink(r.Context(), p, id, r.FormValue("requirement_id"), r.FormValue("decision")); err != nil {
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/controls/"+id+"?saved=1#requirements", http.StatusSeeOther)
}
