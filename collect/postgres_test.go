package collect_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark/collect"
	"github.com/jackc/pgx/v5"
)

// testPostgresDSN returns the test server's DSN (scripts/pg-start sets it),
// skipping the test without one, or failing it under CI.
func testPostgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("BULWARK_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("BULWARK_TEST_POSTGRES is not set; under CI PostgreSQL tests must run (source scripts/pg-start)")
		}
		t.Skip("BULWARK_TEST_POSTGRES is not set; source scripts/pg-start to include PostgreSQL")
	}
	return dsn
}

func TestPostgres(t *testing.T) {
	dsn := testPostgresDSN(t)
	ctx := context.Background()

	// Two superusers of our own: one that may log in and must be listed, one
	// that may not and must not be.
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	login, nologin := "bulwark_collect_su_"+hex.EncodeToString(b), "bulwark_collect_nl_"+hex.EncodeToString(b)
	for _, stmt := range []string{
		"CREATE ROLE " + login + " SUPERUSER LOGIN",
		"CREATE ROLE " + nologin + " SUPERUSER NOLOGIN",
	} {
		if _, err := admin.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+login)
		_, _ = admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+nologin)
	})

	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	allow, err := collect.ParseAllow(cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	res, err := collect.Postgres(ctx, dsn, collect.PostgresDial(allow.Dialer()))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Type != "postgres_server" {
		t.Fatalf("resources = %+v", res)
	}
	f := res[0].Facts
	if want := cfg.Host + ":" + strconv.Itoa(int(cfg.Port)) + "/" + cfg.Database; res[0].ID != want {
		t.Errorf("ID = %q, want %q", res[0].ID, want)
	}
	var version string
	if err := admin.QueryRow(ctx, "SHOW server_version").Scan(&version); err != nil {
		t.Fatal(err)
	}
	// The test server runs with PostgreSQL's defaults and without TLS
	// (sslmode=disable in the DSN).
	for k, want := range map[string]any{
		"server_version": version, "ssl": false, "connection_encrypted": false,
		"password_encryption": "scram-sha-256", "log_connections": false, "log_disconnections": false,
	} {
		if f[k] != want {
			t.Errorf("%s = %#v, want %#v", k, f[k], want)
		}
	}
	if n, _ := f["server_version_num"].(int64); n < 100000 {
		t.Errorf("server_version_num = %#v", f["server_version_num"])
	}
	supers, _ := f["superusers"].([]any)
	if !slices.Contains(supers, any(login)) || !slices.Contains(supers, any("postgres")) || slices.Contains(supers, any(nologin)) {
		t.Errorf("superusers = %v, want postgres and %s but not %s", supers, login, nologin)
	}
	if f["superuser_count"] != int64(len(supers)) {
		t.Errorf("superuser_count = %v, want %d", f["superuser_count"], len(supers))
	}
}

func TestPostgresRefusedByAllow(t *testing.T) {
	dsn := testPostgresDSN(t)
	allow, err := collect.ParseAllow("10.0.0.0/8,/srv")
	if err != nil {
		t.Fatal(err)
	}
	_, err = collect.Postgres(context.Background(), dsn, collect.PostgresDial(allow.Dialer()))
	if !errors.Is(err, collect.ErrNotAllowed) {
		t.Fatalf("err = %v, want a collector-allow refusal", err)
	}
}

func TestPostgresErrors(t *testing.T) {
	tests := []struct{ name, dsn string }{
		{"malformed", "postgres://%zz"},
		{"nothing listening", "postgres://nobody:secret@127.0.0.1:1/x?sslmode=disable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := collect.Postgres(context.Background(), tt.dsn)
			if err == nil {
				t.Fatal("want an error")
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q reveals the password", err)
			}
		})
	}
}
