package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/password"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// BenchmarkMe measures an authenticated GET /api/v1/me through the whole handler
// chain: request id, logging, metrics, security headers, cross-origin check, token
// lookup in the database, permission check and JSON. Target: under 100 µs on SQLite.
func BenchmarkMe(b *testing.B) {
	sqltest.EachB(b, func(b *testing.B, db *sqlstore.DB) {
		f := areastest.New(b, db)
		token := f.Accounts[bulwark.RoleEmployee].Token
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			w := httptest.NewRecorder()
			f.Srv.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	})
}

// BenchmarkSignIn measures POST /signin with the production argon2id cost.
func BenchmarkSignIn(b *testing.B) {
	sqltest.EachB(b, func(b *testing.B, db *sqlstore.DB) {
		f := areastest.New(b, db)
		prod := app.New(db, password.NewHasher(password.DefaultParams, 0), slog.New(slog.NewTextHandler(io.Discard, nil)), app.Config{})
		ctx := context.Background()
		user := f.OwnerPrincipal(f.Org, "owner@acme.test").User
		const strong = "a production-cost password"
		if _, err := prod.ChangePassword(ctx, &user, areastest.Password, strong, app.Meta{}); err != nil {
			b.Fatal(err)
		}
		form := url.Values{"email": {"owner@acme.test"}, "password": {strong}}.Encode()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			req := httptest.NewRequest("POST", "/signin", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			f.Srv.ServeHTTP(w, req)
			if w.Code != http.StatusSeeOther {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
}
