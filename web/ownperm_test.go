package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/web"
)

// importCSV is a readable spreadsheet per register, so that an import reaches
// its operation's permission check (an unreadable file is refused before).
var importCSV = map[string]string{
	"assets":       "Name,Type\nRouter,hardware\n",
	"risks":        "Title,Category\nFlood,environmental\n",
	"controls":     "Ref,Status\nA.5.1,implemented\n",
	"people":       "Name,Email\nAna Lima,ana@example.com\n",
	"suppliers":    "Name,Data processed\nCloudy Hosting,personal\n",
	"measurements": "Metric,Date,Value\nMET-001,2026-01-31,90\n",
}

// callUpload sends an import route a spreadsheet: multipart, as a browser or a
// script uploads it.
func callUpload(t *testing.T, f *areastest.Fixture, rt web.Route, slug string, acc *areastest.Account, kind string) *areastest.Resp {
	t.Helper()
	csv, ok := importCSV[kind]
	if !ok {
		t.Fatalf("%s %s: no spreadsheet for register %q in importCSV", rt.Method, rt.Pattern, kind)
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("file", kind+".csv")
	fw.Write([]byte(csv))
	mw.Close()
	r := areastest.Req{JSON: b.String(), Headers: map[string]string{"Content-Type": mw.FormDataContentType()}}
	if rt.API() {
		r.Token = acc.Token
	} else {
		r.Cookie = f.SignIn(acc.Email)
	}
	return f.Do(rt.Method, fill(rt.Pattern, slug), r)
}

// uploadID uploads a spreadsheet of the register kind through f as acc, with
// the role table of f, and returns the upload's id for the preview and
// confirmation routes.
func uploadID(t *testing.T, f *areastest.Fixture, slug string, acc *areastest.Account, kind string) string {
	t.Helper()
	rt := web.Route{Method: "POST", Pattern: "/o/{slug}/import/" + kind}
	res := callUpload(t, f, rt, slug, acc, kind)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "/import/"+kind+"/") {
		t.Fatalf("upload %s: %d %q", kind, res.StatusCode, loc)
	}
	id, _, _ := strings.Cut(loc[strings.LastIndex(loc, "/")+1:], "?")
	return id
}

// previewKind is the register of an upload's preview or confirmation route
// (GET /o/{slug}/import/KIND/{id}, POST …/confirm), "" for other routes.
func previewKind(rt web.Route) string {
	k, ok := strings.CutPrefix(rt.Pattern, "/o/{slug}/import/")
	if !ok {
		return ""
	}
	kind, rest, _ := strings.Cut(k, "/")
	if !strings.HasPrefix(rest, "{id}") {
		return ""
	}
	return kind
}

// importKind is the register an upload route imports into ("" for other routes):
// POST /api/v1/KIND/import and POST /o/{slug}/import/KIND.
func importKind(rt web.Route) string {
	if rt.Method != "POST" {
		return ""
	}
	if k, ok := strings.CutPrefix(rt.Pattern, "/o/{slug}/import/"); ok && !strings.Contains(k, "/") {
		return k
	}
	if k, ok := strings.CutSuffix(strings.TrimPrefix(rt.Pattern, "/api/v1/"), "/import"); ok && strings.HasPrefix(rt.Pattern, "/api/v1/") {
		return k
	}
	return ""
}

// readingPerms are the permissions that show context: a form lists the members
// to pick an owner from, an answer carries the classification scheme.
var readingPerms = []bulwark.Permission{bulwark.PermSelfService, bulwark.PermISMSRead}

// TestRoutePermissionSuffices gives every role one permission, plus those of
// readingPerms that every role holding it has in CONTRACT's table, and calls every
// route that declares it: the route's operation must not refuse with 403. It
// catches an operation that checks a permission other than (or besides) its
// route's, which the role walk cannot see while CONTRACT gives both to the same
// roles (isms_create and isms_edit).
func TestRoutePermissionSuffices(t *testing.T) {
	sqltest.SkipUnderRace(t)
	contract := bulwark.DefaultRolePermissions()
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := areastest.New(t, db)
		for _, only := range bulwark.OrgPermissions {
			held := bulwark.PermissionSet{only: true}
			for _, rp := range readingPerms {
				every := true
				for _, role := range bulwark.Roles {
					if contract[role].Has(only) && !contract[role].Has(rp) {
						every = false
					}
				}
				held[rp] = held[rp] || every
			}
			table := bulwark.RolePermissions{}
			for _, role := range bulwark.Roles {
				table[role] = held
			}
			g := areastest.Start(t, db, app.Config{BaseURL: f.TS.URL, RolePermissions: table}, web.Config{Version: "test"})
			g.Org, g.Accounts = f.Org, f.Accounts
			owner := g.Accounts[bulwark.RoleOwner]
			for _, rt := range g.Srv.Routes() {
				if rt.Perm != only {
					continue
				}
				var res *areastest.Resp
				if kind := importKind(rt); kind != "" {
					res = callUpload(t, g, rt, g.Org.Slug, owner, kind)
				} else if kind := previewKind(rt); kind != "" {
					// A real upload, so the preview reaches the import's dry run.
					rt.Pattern = strings.Replace(rt.Pattern, "{id}", uploadID(t, f, f.Org.Slug, owner, kind), 1)
					res = call(g, rt, g.Org.Slug, owner)
				} else {
					res = call(g, rt, g.Org.Slug, owner)
				}
				if res.StatusCode == http.StatusForbidden {
					t.Errorf("%s %s holding %v: 403: %.200s", rt.Method, rt.Pattern, keys(held), res.Text)
				}
				if res.StatusCode >= 500 {
					t.Errorf("%s %s holding %v: %d", rt.Method, rt.Pattern, keys(held), res.StatusCode)
				}
			}
		}
	})
}

func keys(s bulwark.PermissionSet) []bulwark.Permission {
	var out []bulwark.Permission
	for _, p := range bulwark.OrgPermissions {
		if s[p] {
			out = append(out, p)
		}
	}
	return out
}
