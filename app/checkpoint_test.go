package app_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/password"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// rewriteChain does what an attacker with write access to the database can: it
// changes entry seq of orgID's chain, recomputes the hash of that entry and of
// every later one, and moves the chain head, so that the hash chain alone holds.
func rewriteChain(t *testing.T, db *sqlstore.DB, orgID string, seq int64) {
	t.Helper()
	var entries []*bulwark.AuditEntry
	err := db.Read(context.Background(), func(tx *sqlstore.Tx) error {
		return tx.EachAuditEntry(context.Background(), orgID, func(e *bulwark.AuditEntry) error {
			entries = append(entries, e)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	prev := bulwark.GenesisHash
	var stmts []string
	for _, e := range entries {
		if e.Seq == seq {
			e.EntityRef = "forged"
		}
		e.PrevHash = prev
		e.Hash = e.ComputeHash()
		prev = e.Hash
		if e.Seq >= seq {
			stmts = append(stmts, fmt.Sprintf(`UPDATE audit_log SET entity_ref = '%s', prev_hash = '%s', hash = '%s' WHERE org_id = '%s' AND seq = %d`,
				e.EntityRef, e.PrevHash, e.Hash, orgID, e.Seq))
		}
	}
	stmts = append(stmts, fmt.Sprintf(`UPDATE audit_heads SET hash = '%s' WHERE org_id = '%s'`, prev, orgID))
	exec(t, db, stmts...)
}

// allowCheckpointTampering removes the checkpoints' append-only guard.
func allowCheckpointTampering(t *testing.T, db *sqlstore.DB) {
	if db.Dialect == sqlstore.Postgres {
		exec(t, db, `ALTER TABLE audit_checkpoints DISABLE TRIGGER USER`)
		return
	}
	exec(t, db, `DROP TRIGGER audit_checkpoints_no_update`, `DROP TRIGGER audit_checkpoints_no_delete`)
}

// TestSignedCheckpointsResistRewriting attacks the chain as someone who can write
// to the database but does not hold the instance's secret key. Test services sign
// a checkpoint every 5 entries; the chain holds 12.
func TestSignedCheckpointsResistRewriting(t *testing.T) {
	tests := []struct {
		name    string
		attack  func(t *testing.T, db *sqlstore.DB, org string)
		wantSeq int64
		reason  string
	}{
		{"entry changed and every later hash and the head recomputed", func(t *testing.T, db *sqlstore.DB, org string) {
			rewriteChain(t, db, org, 7)
		}, 10, "an entry from 6 to 10 was changed"},
		{"rewritten before the first checkpoint", func(t *testing.T, db *sqlstore.DB, org string) {
			rewriteChain(t, db, org, 2)
		}, 5, "an entry from 1 to 5 was changed"},
		{"rewritten and the checkpoints deleted", func(t *testing.T, db *sqlstore.DB, org string) {
			rewriteChain(t, db, org, 7)
			allowCheckpointTampering(t, db)
			exec(t, db, `DELETE FROM audit_checkpoints WHERE org_id = '`+org+`'`)
		}, 5, "checkpoint due at this entry is missing"},
		{"checkpoint re-signed by someone else", func(t *testing.T, db *sqlstore.DB, org string) {
			rewriteChain(t, db, org, 7)
			allowCheckpointTampering(t, db)
			var hash string
			if err := db.SQL().QueryRow(`SELECT hash FROM audit_log WHERE org_id = '` + org + `' AND seq = 10`).Scan(&hash); err != nil {
				t.Fatal(err)
			}
			forger := &bulwark.CheckpointSigner{Key: bulwark.CheckpointKey([]byte("an attacker's own key, 32 bytes or more")), Every: 5}
			c := forger.Sign(org, 10, hash, db.Now())
			exec(t, db, `DELETE FROM audit_checkpoints WHERE org_id = '`+org+`' AND seq = 10`)
			err := db.Write(context.Background(), func(tx *sqlstore.Tx) error {
				_, err := tx.Exec(context.Background(), `INSERT INTO audit_checkpoints (org_id, seq, hash, signed_at, signature) VALUES (?, ?, ?, ?, ?)`,
					org, 10, hash, c.SignedAt, base64.StdEncoding.EncodeToString(c.Signature))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}, 10, "does not verify"},
		{"tail cut back past a checkpoint", func(t *testing.T, db *sqlstore.DB, org string) {
			var hash string
			if err := db.SQL().QueryRow(`SELECT hash FROM audit_log WHERE org_id = '` + org + `' AND seq = 9`).Scan(&hash); err != nil {
				t.Fatal(err)
			}
			exec(t, db, `DELETE FROM audit_log WHERE org_id = '`+org+`' AND seq >= 10`,
				`UPDATE audit_heads SET seq = 9, hash = '`+hash+`' WHERE org_id = '`+org+`'`)
		}, 10, "a signed checkpoint vouches for entry 10, the chain ends at 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
				svc, owner := chainOf(t, db, 12)
				allowTampering(t, db)
				tt.attack(t, db, owner.Org.ID)
				_, brk, err := svc.VerifyChain(context.Background(), owner.Org.ID)
				if err != nil {
					t.Fatal(err)
				}
				if brk == nil || brk.Seq != tt.wantSeq || !strings.Contains(brk.Reason, tt.reason) {
					t.Fatalf("got break %+v, want entry %d (%s)", brk, tt.wantSeq, tt.reason)
				}
				// Without checkpoints, the hash chain alone would have passed the rewrite.
				if strings.Contains(tt.name, "recomputed") {
					plain := app.New(db, password.NewHasher(password.TestParams, 4), nil, app.Config{})
					db.Checkpoints = nil
					if _, brk, _ := plain.VerifyChain(context.Background(), owner.Org.ID); brk != nil {
						t.Errorf("the rewrite should fool the hash chain alone: %+v", brk)
					}
				}
			})
		})
	}
}

// chainOf returns a service and an organisation whose chain holds n entries (n ≥ 2).
func chainOf(t *testing.T, db *sqlstore.DB, n int) (*app.Service, *bulwark.Principal) {
	t.Helper()
	svc := newService(t, db)
	owner := mustOrg(t, svc, "Acme", "owner@acme.test") // 2 entries
	ctx := context.Background()
	for i := 2; i < n; i++ {
		if _, err := svc.CreateToken(ctx, owner, "", fmt.Sprintf("token %d", i), ""); err != nil {
			t.Fatal(err)
		}
	}
	if got, brk, err := svc.VerifyChain(ctx, owner.Org.ID); err != nil || brk != nil || got != int64(n) {
		t.Fatalf("fresh chain: n=%d brk=%v err=%v", got, brk, err)
	}
	return svc, owner
}

// TestCheckpointsAreWrittenAndSealed checks that appends sign the due checkpoints,
// singly and in batches, and that chains written before checkpoints existed are
// sealed once by the migration.
func TestCheckpointsAreWrittenAndSealed(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		svc, owner := chainOf(t, db, 12)
		count := func() (n int) {
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_checkpoints WHERE org_id = '` + owner.Org.ID + `'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(); n != 2 {
			t.Fatalf("%d checkpoints for 12 entries, want 2 (at 5 and 10)", n)
		}
		// A batch of 9 entries crosses 15 and 20.
		batch := make([]*bulwark.AuditEntry, 9)
		for i := range batch {
			batch[i] = &bulwark.AuditEntry{ActorID: "cli:test", Action: "test.batch", EntityType: "test"}
		}
		if err := db.Write(context.Background(), func(tx *sqlstore.Tx) error { return tx.AppendAuditBatch(context.Background(), owner.Org.ID, batch) }); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 4 {
			t.Fatalf("%d checkpoints for 21 entries, want 4", n)
		}
		if _, brk, err := svc.VerifyChain(context.Background(), owner.Org.ID); err != nil || brk != nil {
			t.Fatalf("verify: %+v %v", brk, err)
		}
		// Sealing signs only what is due and missing: nothing here.
		var sealed int
		err := db.Write(context.Background(), func(tx *sqlstore.Tx) error {
			var err error
			sealed, err = tx.SealCheckpoints(context.Background(), db.Checkpoints)
			return err
		})
		if err != nil || sealed != 0 {
			t.Fatalf("sealed %d, %v", sealed, err)
		}
	})
}

// TestVerifyNamesAnUnreadableEntry writes a malformed time into an entry, as a
// hand edit of a SQLite file could: verify names the entry instead of failing with
// a bare scan error. PostgreSQL's typed column cannot hold such a value.
func TestVerifyNamesAnUnreadableEntry(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		if db.Dialect != sqlstore.SQLite {
			t.Skip("PostgreSQL refuses a malformed timestamp at write")
		}
		svc, owner := chainOf(t, db, 8)
		allowTampering(t, db)
		exec(t, db, `UPDATE audit_log SET at = 'last Tuesday' WHERE org_id = '`+owner.Org.ID+`' AND seq = 4`)
		_, brk, err := svc.VerifyChain(context.Background(), owner.Org.ID)
		if err != nil || brk == nil || brk.Seq != 4 || !strings.Contains(brk.Reason, `cannot be read: its time "last Tuesday" is not a time`) {
			t.Fatalf("got %+v, %v", brk, err)
		}
	})
}

// TestChainsBeforeCheckpointsAreSealed upgrades a database whose chains were
// written before checkpoints existed: the migration signs their due checkpoints,
// once, with the key the database is opened with, and verify passes.
func TestChainsBeforeCheckpointsAreSealed(t *testing.T) {
	const checkpointsVersion = 20261201120000
	for _, d := range sqltest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, all := sqltest.MigratedBefore(t, d, checkpointsVersion)
			old := app.New(db, password.NewHasher(password.TestParams, 4), nil, app.Config{}) // no key: the old release
			owner := mustOrg(t, old, "Acme", "owner@acme.test")
			for i := range 350 {
				if _, err := old.CreateToken(ctx, owner, "", fmt.Sprintf("token %d", i), ""); err != nil {
					t.Fatal(err)
				}
			}
			db.Checkpoints = &bulwark.CheckpointSigner{Key: bulwark.CheckpointKey([]byte("bulwark test secret key, 32 bytes or more")), Every: app.DefaultCheckpointEvery}
			if _, err := db.MigrateWith(ctx, all); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_checkpoints`).Scan(&n); err != nil || n != 3 {
				t.Fatalf("%d checkpoints sealed for 352 entries, want 3: %v", n, err)
			}
			svc := app.New(db, password.NewHasher(password.TestParams, 4), nil, app.Config{CheckpointKey: db.Checkpoints.Key})
			if got, brk, err := svc.VerifyChain(ctx, owner.Org.ID); err != nil || brk != nil || got != 352 {
				t.Fatalf("verify after sealing: %d %+v %v", got, brk, err)
			}
		})
	}
}
