package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// foreignKeysOn reports PRAGMA foreign_keys of the SQLite write connection (the
// write pool has only one).
func foreignKeysOn(t *testing.T, db *sqlstore.DB) bool {
	t.Helper()
	var on int
	if err := db.SQL().QueryRow(`PRAGMA foreign_keys`).Scan(&on); err != nil {
		t.Fatal(err)
	}
	return on == 1
}

// seedOrgWithMember creates an organisation with one member and returns their ids.
func seedOrgWithMember(t *testing.T, db *sqlstore.DB, slug string) (orgID, memberID string) {
	t.Helper()
	ctx := context.Background()
	err := db.Write(ctx, func(tx *sqlstore.Tx) error {
		o := &bulwark.Organisation{Name: slug, Slug: slug, Settings: bulwark.DefaultSettings()}
		if err := tx.InsertOrganisation(ctx, o); err != nil {
			return err
		}
		u := &bulwark.User{Email: slug + "@example.com", Name: slug}
		if err := tx.InsertUser(ctx, u, "x"); err != nil {
			return err
		}
		m, err := tx.InsertMember(ctx, o.ID, u.ID, bulwark.RoleOwner, nil)
		if err != nil {
			return err
		}
		orgID, memberID = o.ID, m.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return orgID, memberID
}

// TestMigrationLeavingDanglingReferenceIsRefused: SQLite migrations run with
// foreign keys off, so the runner's foreign_key_check must catch what the
// database did not, roll everything back and turn foreign keys on again.
// PostgreSQL refuses the same migration by its constraint.
func TestMigrationLeavingDanglingReferenceIsRefused(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		orgA, _ := seedOrgWithMember(t, db, "alpha")
		_, memberB := seedOrgWithMember(t, db, "beta")
		ms, err := sqlstore.Migrations(db.Dialect)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, sql, want string
		}{
			{"dangling", `CREATE TABLE half_done (id INTEGER);
				INSERT INTO members (id, org_id, user_id, role, created_at) VALUES ('m-dangling', 'no-such-org', 'no-such-user', 'owner', '2026-12-01 10:00:00+00');`,
				"members row"},
			{"cross_organisation", `CREATE TABLE half_done (id INTEGER);
				INSERT INTO api_tokens (id, org_id, member_id, name, token_hash, prefix, created_at) VALUES ('t-cross', '` + orgA + `', '` + memberB + `', 'x', 'h', 'p', '2026-12-01 10:00:00+00');`,
				"api_tokens row"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := schema(t, db)
				members, tokens := count(t, db, `SELECT COUNT(*) FROM members`), count(t, db, `SELECT COUNT(*) FROM api_tokens`)
				recorded := count(t, db, `SELECT COUNT(*) FROM schema_migrations`)
				bad := sqlstore.Migration{Version: 29991231000001, Name: tc.name, SQL: tc.sql}
				applied, err := db.MigrateWith(ctx, append(append([]sqlstore.Migration{}, ms...), bad))
				if err == nil {
					t.Fatalf("migration applied (%v), want it refused", applied)
				}
				if !strings.Contains(err.Error(), "29991231000001_"+tc.name) {
					t.Errorf("error does not name the migration: %v", err)
				}
				if db.Dialect == sqlstore.SQLite {
					if !strings.Contains(err.Error(), tc.want) {
						t.Errorf("error does not name the row (%q): %v", tc.want, err)
					}
					if tc.name == "cross_organisation" && (!strings.Contains(err.Error(), orgA) || !strings.Contains(err.Error(), memberB)) {
						t.Errorf("error does not give the values of the reference: %v", err)
					}
				}
				t.Log(err)
				if after := schema(t, db); strings.Join(after, ",") != strings.Join(before, ",") {
					t.Errorf("schema changed by a refused migration:\nbefore %v\nafter  %v", before, after)
				}
				if n := count(t, db, `SELECT COUNT(*) FROM members`); n != members {
					t.Errorf("members: %d rows, want %d", n, members)
				}
				if n := count(t, db, `SELECT COUNT(*) FROM api_tokens`); n != tokens {
					t.Errorf("api_tokens: %d rows, want %d", n, tokens)
				}
				if n := count(t, db, `SELECT COUNT(*) FROM schema_migrations`); n != recorded {
					t.Errorf("schema_migrations: %d rows, want %d", n, recorded)
				}
				if db.Dialect == sqlstore.SQLite && !foreignKeysOn(t, db) {
					t.Fatal("foreign keys left off after a refused migration")
				}
				// And they are enforced again on the write connection.
				_, err = db.SQL().Exec(`INSERT INTO members (id, org_id, user_id, role, created_at) VALUES ('m-dangling', 'no-such-org', 'no-such-user', 'owner', '2026-12-01 10:00:00+00')`)
				if err == nil {
					t.Fatal("a dangling member was accepted after the migration run")
				}
			})
		}
	})
}

// TestSQLiteMigrationRebuildsTableWithoutCascade: with foreign keys off, a
// migration may drop and recreate a parent table (SQLite's table rebuild)
// without its children being deleted by ON DELETE CASCADE, and foreign keys are
// on again afterwards.
func TestSQLiteMigrationRebuildsTableWithoutCascade(t *testing.T) {
	db := sqltest.New(t, sqlstore.SQLite)
	ctx := context.Background()
	seedOrgWithMember(t, db, "alpha")
	members := count(t, db, `SELECT COUNT(*) FROM members`)
	ms, err := sqlstore.Migrations(db.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	rebuild := sqlstore.Migration{Version: 29991231000002, Name: "rebuild_organisations", SQL: `
CREATE TABLE new_organisations (
  id TEXT PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  time_zone TEXT NOT NULL DEFAULT 'UTC',
  date_order TEXT NOT NULL DEFAULT '',
  segregation_of_duties BOOLEAN NOT NULL DEFAULT TRUE,
  created_at TIMESTAMP NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  link_key TEXT NOT NULL DEFAULT ''
);
INSERT INTO new_organisations SELECT * FROM organisations;
DROP TABLE organisations;
ALTER TABLE new_organisations RENAME TO organisations;`}
	applied, err := db.MigrateWith(ctx, append(ms, rebuild))
	if err != nil || len(applied) != 1 {
		t.Fatalf("applied %v, err %v", applied, err)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM members`); n != members || n == 0 {
		t.Fatalf("members: %d rows after rebuilding organisations, want %d", n, members)
	}
	if !foreignKeysOn(t, db) {
		t.Fatal("foreign keys left off after a migration")
	}
	if n := count(t, db, `SELECT COUNT(*) FROM pragma_foreign_key_check`); n != 0 {
		t.Fatalf("foreign_key_check reports %d rows", n)
	}
}
