// Package search finds anything across the ISMS registers — documents, risks,
// controls and assets — by words, ranked, with a piece of the matching text:
// SQLite's FTS5 indexes and PostgreSQL's full-text GIN indexes, each area's own.
package search

import (
	"context"
	"embed"
	"net/http"
	"strconv"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/areas/documents"
	"github.com/bulwark-isms/bulwark/areas/risks"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/web"
)

//go:embed templates
var templates embed.FS

// specs are the registers searched, each with its index.
var specs = []sqlstore.FullTextSpec{documents.SearchSpec, risks.SearchSpec, controls.SearchSpec, assets.SearchSpec}

// HitEntity declares a search result.
var HitEntity = field.FromStruct("SearchHit", Hit{})

// Service searches the ISMS.
type Service struct{ *app.Service }

// New returns the search service.
func New(k *app.Service) *Service { return &Service{Service: k} }

// Search returns at most limit hits for q across the registers, best first.
// Each register gives its best limit hits; they are merged by score.
func (s *Service) Search(ctx context.Context, p *bulwark.Principal, q string, limit int) ([]Hit, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	if strings.TrimSpace(q) == "" {
		return nil, bulwark.Invalid("q", "is required: the words to look for")
	}
	if len(sqlstore.FullTextWords(q)) == 0 {
		return []Hit{}, nil
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	out := []Hit{}
	err := s.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		for _, spec := range specs {
			hits, err := tx.Search(ctx, spec, p.Org.ID, q, limit)
			if err != nil {
				return err
			}
			for _, h := range hits {
				out = append(out, Hit(h))
			}
		}
		return nil
	})
	return Rank(out, limit), err
}

type handlers struct {
	*web.Server
	svc *Service
}

// Area mounts the search on the server.
func Area(svc *Service) web.Area {
	return web.Area{Name: "search", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc}
		return web.Mounted{Templates: templates, Routes: []web.Route{
			{Method: "GET", Pattern: "/api/v1/search", Perm: bulwark.PermISMSRead, Summary: "Search documents, risks, controls and assets by words (every word as a prefix), ranked",
				Handler: h.api, Response: HitEntity, List: true, Query: []field.Param{{Name: "q", Help: "the words"}, {Name: "limit", Kind: field.Int, Help: "at most this many (default 20, at most 100)"}}},
			{Method: "GET", Pattern: "/o/{slug}/search", Perm: bulwark.PermISMSRead, Handler: h.page},
		}}
	}}
}

func (h *handlers) api(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	hits, err := h.svc.Search(r.Context(), web.PrincipalFrom(r), r.URL.Query().Get("q"), limit)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": hits, "next_cursor": nil})
}

// paths are where each kind of hit lives in the UI.
var paths = map[string]string{"document": "policies", "risk": "risks", "control": "controls", "asset": "assets"}

func (h *handlers) page(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	q := r.URL.Query().Get("q")
	var hits []Hit
	var err error
	if strings.TrimSpace(q) != "" {
		if hits, err = h.svc.Search(r.Context(), p, q, 50); err != nil {
			h.RenderError(w, r, err)
			return
		}
	}
	type view struct {
		Hit
		URL string
	}
	vs := make([]view, len(hits))
	for i, hit := range hits {
		vs[i] = view{Hit: hit, URL: "/o/" + p.Org.Slug + "/" + paths[hit.Type] + "/" + hit.ID}
	}
	h.Render(w, r, http.StatusOK, "search", &web.Page{Title: "Search", Nav: "search", Data: map[string]any{"Q": q, "Hits": vs}})
}
