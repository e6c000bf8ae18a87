package assets

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/web"
)

func (s *handlers) assetsPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	f, err := assetFilter(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	items, next, err := s.svc.Assets(r.Context(), p, f)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	members, names, err := s.Directory(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	classes, err := s.svc.Classifications(r.Context(), p)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	q := map[string]string{}
	filtered := false
	for _, k := range []string{"q", "type", "classification", "owner_id", "status", "tag", "sort"} {
		q[k] = r.URL.Query().Get(k)
		if k != "sort" && q[k] != "" {
			filtered = true
		}
	}
	cur := strings.TrimPrefix(f.Sort, "-")
	if cur == "" {
		cur = "ref"
	}
	var cols []web.SortColumn
	for _, c := range []struct{ label, field string }{{"Ref", "ref"}, {"Name", "name"}, {"Type", "type"}, {"Owner", ""}, {"Classification", "classification"}, {"C/I/A", ""}, {"Status", "status"}, {"Review", "review_date"}} {
		col := web.SortColumn{Label: c.label, Sort: c.field != ""}
		if col.Sort {
			v := r.URL.Query()
			v.Del("cursor")
			dir := c.field
			col.Active = cur == c.field
			col.Dir = "ascending"
			if col.Active && !strings.HasPrefix(f.Sort, "-") {
				dir = "-" + c.field
			}
			if col.Active && strings.HasPrefix(f.Sort, "-") {
				col.Dir = "descending"
			}
			v.Set("sort", dir)
			col.URL = "?" + v.Encode()
		}
		cols = append(cols, col)
	}
	data := map[string]any{"Items": items, "Members": members, "Names": names, "Classes": classes, "Types": AssetTypes,
		"Statuses": AssetStatuses, "Q": q, "Columns": cols, "Filtered": filtered, "CanImport": p.Can(PermImport)}
	if next != "" {
		v := r.URL.Query()
		v.Set("cursor", next)
		data["NextURL"] = "?" + v.Encode()
	}
	s.Render(w, r, http.StatusOK, "assets", &web.Page{Title: "Assets", Nav: "assets", Data: data})
}

func (s *handlers) assetPage(w http.ResponseWriter, r *http.Request) {
	a := &Asset{Type: "information", Status: "in_use", Tags: []string{}}
	if id := r.PathValue("id"); id != "" {
		var err error
		if a, err = s.svc.Asset(r.Context(), web.PrincipalFrom(r), id); err != nil {
			s.RenderError(w, r, err)
			return
		}
	}
	pg := &web.Page{}
	if r.URL.Query().Get("saved") == "1" {
		pg.Notice = "Saved."
	}
	s.renderAsset(w, r, http.StatusOK, a, pg)
}

func (s *handlers) renderAsset(w http.ResponseWriter, r *http.Request, status int, a *Asset, pg *web.Page) {
	p := web.PrincipalFrom(r)
	members, _, err := s.Directory(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	classes, err := s.svc.Classifications(r.Context(), p)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	own := func(id *string) bool { return id != nil && *id == p.MemberID }
	canEdit := p.Can(bulwark.PermISMSEdit) || (a.ID == "" && p.Can(bulwark.PermISMSCreate)) || (p.Can(bulwark.PermISMSEditOwn) && (own(a.OwnerID) || own(a.CustodianID)))
	str := func(v *int) string {
		if v == nil {
			return ""
		}
		return strconv.Itoa(*v)
	}
	cia := []map[string]string{{"Field": "confidentiality", "Label": "Confidentiality", "Value": str(a.Confidentiality)},
		{"Field": "integrity", "Label": "Integrity", "Value": str(a.Integrity)}, {"Field": "availability", "Label": "Availability", "Value": str(a.Availability)}}
	pg.Title, pg.Nav = "New asset", "assets"
	if a.ID != "" {
		pg.Title = a.Ref + " " + a.Name
	}
	pg.Data = map[string]any{"Asset": a, "Members": members, "Classes": classes, "Types": AssetTypes, "Statuses": AssetStatuses,
		"CIA": cia, "Levels": []string{"1", "2", "3", "4"}, "CanEdit": canEdit}
	s.Render(w, r, status, "asset", pg)
}

// assetFromForm reads the asset form into an input, collecting field errors.
func assetFromForm(r *http.Request) (AssetInput, error) {
	v, err := AssetEntity.DecodeForm(r.Form, "name", "type", "status", "description", "location", "classification",
		"owner_id", "custodian_id", "review_date", "personal_data", "tags", "confidentiality", "integrity", "availability")
	return assetInputOf(v), err
}

func (s *handlers) assetSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		s.RenderError(w, r, err)
		return
	}
	in, err := assetFromForm(r)
	draft := &Asset{Status: "in_use", Tags: []string{}}
	if id := r.PathValue("id"); id != "" {
		cur, cerr := s.svc.Asset(r.Context(), p, id)
		if cerr != nil {
			s.RenderError(w, r, cerr)
			return
		}
		draft = cur
	}
	fillDraft := func() {
		d := *draft
		d.Name, d.Type, d.Status, d.Description, d.Location, d.Classification = *in.Name, *in.Type, *in.Status, *in.Description, *in.Location, *in.Classification
		d.OwnerID, d.CustodianID, d.ReviewDate, d.PersonalData, d.Tags = *in.OwnerID, *in.CustodianID, *in.ReviewDate, *in.PersonalData, NormalizeTags(*in.Tags)
		d.Confidentiality, d.Integrity, d.Availability = *in.Confidentiality, *in.Integrity, *in.Availability
		draft = &d
	}
	if err == nil {
		var a *Asset
		if draft.ID != "" {
			var expect *int
			if v, perr := strconv.Atoi(r.FormValue("version")); perr == nil {
				expect = &v
			}
			a, err = s.svc.UpdateAsset(r.Context(), p, draft.ID, in, expect, nil)
		} else {
			a, err = s.svc.CreateAsset(r.Context(), p, in)
		}
		if err == nil {
			http.Redirect(w, r, "/o/"+p.Org.Slug+"/assets/"+a.ID+"?saved=1", http.StatusSeeOther)
			return
		}
	}
	if bulwark.ErrorCode(err) == bulwark.EINTERNAL || bulwark.ErrorCode(err) == bulwark.EFORBIDDEN || bulwark.ErrorCode(err) == bulwark.ENOTFOUND {
		s.RenderError(w, r, err)
		return
	}
	fillDraft()
	pg := &web.Page{Error: bulwark.ErrorMessage(err), Fields: web.FieldsOf(err)}
	web.RetryAfter(w, err)
	s.renderAsset(w, r, s.ErrorStatus(r, err), draft, pg)
}

func (s *handlers) assetArchive(archive bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := web.PrincipalFrom(r)
		if _, err := s.svc.UpdateAsset(r.Context(), p, r.PathValue("id"), AssetInput{}, nil, &archive); err != nil {
			s.RenderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/o/"+p.Org.Slug+"/assets/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	}
}

// PickItem is how a picker offers an asset: its ref and name.
func PickItem(a *Asset) web.PickItem { return web.PickItem{ID: a.ID, Label: a.Ref + " " + a.Name} }

// pickSource lets pickers find assets by ref, name or words.
func (h *handlers) pickSource() web.PickSource {
	return web.RecordPicker("asset_ids", func(ctx context.Context, p *bulwark.Principal, q string) ([]*Asset, error) {
		as, _, err := h.svc.Assets(ctx, p, AssetFilter{Q: q, Limit: 40})
		return as, err
	}, h.svc.Asset, PickItem)
}
