package assets

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/web"
)

// assetFilter reads list parameters of the asset register.
func assetFilter(r *http.Request) (AssetFilter, error) {
	q := r.URL.Query()
	f := AssetFilter{Q: q.Get("q"), Type: q.Get("type"), Status: q.Get("status"), Classification: q.Get("classification"),
		OwnerID: q.Get("owner_id"), CustodianID: q.Get("custodian_id"), Tag: q.Get("tag"), ReviewFrom: q.Get("from"), ReviewTo: q.Get("to"),
		IncludeArchived: q.Get("include_archived") == "true", Sort: q.Get("sort"), Cursor: q.Get("cursor")}
	var v bulwark.Validation
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

func (s *handlers) apiAssets(w http.ResponseWriter, r *http.Request) {
	f, err := assetFilter(r)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	as, next, err := s.svc.Assets(r.Context(), web.PrincipalFrom(r), f)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	if as == nil {
		as = []*Asset{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": as, "next_cursor": web.NextCursor(next)})
}

func (s *handlers) apiAsset(w http.ResponseWriter, r *http.Request) {
	a, err := s.svc.Asset(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, a.Version))
	web.WriteJSON(w, http.StatusOK, a)
}

func (s *handlers) apiAssetCreate(w http.ResponseWriter, r *http.Request) {
	vals, _, err := s.Decode(w, r, AssetEntity)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	a, err := s.svc.CreateAsset(r.Context(), web.PrincipalFrom(r), assetInputOf(vals))
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/assets/"+a.ID)
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, a.Version))
	web.WriteJSON(w, http.StatusCreated, a)
}

func (s *handlers) apiAssetPatch(w http.ResponseWriter, r *http.Request) {
	if err := s.found(r); err != nil { // the row first: another organisation's id is a 404 whatever the body
		s.Problem(w, r, err)
		return
	}
	vals, expect, err := s.Decode(w, r, AssetEntity)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	a, err := s.svc.UpdateAsset(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), assetInputOf(vals), expect, nil)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, a.Version))
	web.WriteJSON(w, http.StatusOK, a)
}

func (s *handlers) apiAssetArchive(w http.ResponseWriter, r *http.Request) {
	yes := true
	expect, err := web.IfMatch(r)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	if _, err := s.svc.UpdateAsset(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), AssetInput{}, expect, &yes); err != nil {
		s.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// found answers ENOTFOUND unless the path's asset is of the principal's
// organisation. Handlers that read a body call it first, so that another
// organisation's id is a 404 before the body is validated.
func (s *handlers) found(r *http.Request) error {
	return s.svc.view(r.Context(), func(tx store) error {
		_, err := tx.Asset(r.Context(), web.PrincipalFrom(r).Org.ID, r.PathValue("id"))
		return err
	})
}
