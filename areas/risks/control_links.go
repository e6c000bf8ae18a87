package risks

import (
	"context"
	"fmt"
	"net/http"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/web"
)

// controlRisks is the body that sets the risks a control treats.
type controlRisks struct {
	RiskIDs []string `json:"risk_ids"`
}

// ControlRisksEntity declares that body: the risk ids, replacing the control's links.
var ControlRisksEntity = field.FromStruct("ControlRisks", controlRisks{}).Writable("risk_ids").Require("risk_ids").
	Describe("risk_ids", "Risks", "every live risk the control treats; each risk added or removed is changed as its owner would change it")

// controlLinkRoutes let a control's page and the API link risks to a control: the links belong to the
// risks (their control_ids), so the risk register serves them.
func (h *handlers) controlLinkRoutes() []web.Route {
	return append([]web.Route{
		{Method: "PUT", Pattern: "/api/v1/controls/{id}/risks", Perm: bulwark.PermISMSEditOwn, Summary: "Set the risks a control treats (each risk changed and audited)", Handler: h.apiControlRisks, Request: ControlRisksEntity, Response: controls.ControlEntity},
		{Method: "POST", Pattern: "/o/{slug}/controls/{id}/risks", Perm: bulwark.PermISMSEditOwn, Handler: h.controlRisksSubmit},
	}, h.PickRoutes("risks", h.riskPickSource())...)
}

func (h *handlers) apiControlRisks(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if _, err := h.svc.controlOf(r.Context(), p, r.PathValue("id")); err != nil { // another organisation's control: 404 first
		h.Problem(w, r, err)
		return
	}
	vals, err := h.DecodeCreate(w, r, ControlRisksEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	if _, _, err := h.svc.SetControlRisks(r.Context(), p, r.PathValue("id"), *vals.List("risk_ids")); err != nil {
		h.Problem(w, r, err)
		return
	}
	c, err := h.svc.controlOf(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, c.Version))
	web.WriteJSON(w, http.StatusOK, c)
}

func (h *handlers) controlRisksSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	id := r.PathValue("id")
	added, removed, err := h.svc.SetControlRisks(r.Context(), p, id, r.Form["risk_ids"])
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/o/%s/controls/%s?risks=%d-%d#risks", p.Org.Slug, id, added, removed), http.StatusSeeOther)
}

// controlOf reads a control of the principal's organisation.
func (s *Service) controlOf(ctx context.Context, p *bulwark.Principal, id string) (*controls.Control, error) {
	var c *controls.Control
	err := s.read(ctx, func(tx store) error {
		var err error
		c, err = controls.One(ctx, tx.Tx, p.Org.ID, id)
		return err
	})
	return c, err
}

// riskPickItem is how a picker offers a risk: its ref and title.
func riskPickItem(r *Risk) web.PickItem { return web.PickItem{ID: r.ID, Label: r.Ref + " " + r.Title} }

// riskPickSource lets pickers find live risks by ref or words.
func (h *handlers) riskPickSource() web.PickSource {
	return web.RecordPicker("risk_ids", func(ctx context.Context, p *bulwark.Principal, q string) ([]*Risk, error) {
		rs, _, err := h.svc.Risks(ctx, p, RiskFilter{Q: q, Limit: 25})
		return rs, err
	}, h.svc.Risk, riskPickItem)
}
