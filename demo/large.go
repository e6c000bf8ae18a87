package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/areas/risks"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/tabular"
)

// Large is the size of `demo --size large`: the scale the benchmarks of issue 8 are measured at.
type Large struct {
	Members, Assets, Risks int
	Incidents, Suppliers   int
	AuditEntries           int64
}

// LargeSize is 200 members, 10,000 assets, 20,000 risks, 5,000 incidents, 1,000 suppliers and 1,000,000 audit entries.
var LargeSize = Large{Members: 200, Assets: 10000, Risks: 20000, Incidents: 5000, Suppliers: 1000, AuditEntries: 1000000}

// SeedLarge grows a seeded demo organisation to size: more members (invited and accepted like any), assets
// and risks through the registers' imports, then a history of audit entries up to size.AuditEntries. The
// history entries are marked as such (action "demo.history"): they are appended to the real chain, so the
// audit log, its filters and `audit-log verify` run at scale. progress gets a line per step.
func SeedLarge(ctx context.Context, svc *areas.ISMS, res *Result, size Large, progress io.Writer) error {
	org := res.Org
	sys := svc.CLIPrincipal(org, "demo")
	meta := appMeta()
	step := func(format string, args ...any) func() {
		start := time.Now()
		fmt.Fprintf(progress, format, args...)
		return func() { fmt.Fprintf(progress, " done in %s\n", time.Since(start).Round(time.Millisecond)) }
	}
	roles := []bulwark.Role{bulwark.RoleEmployee, bulwark.RoleEmployee, bulwark.RoleEmployee, bulwark.RoleContributor, bulwark.RoleContributor, bulwark.RoleManager, bulwark.RoleAuditor}
	done := step("members: %d more…", size.Members-len(People))
	var emails []string
	for i := len(People); i < size.Members; i++ {
		email := fmt.Sprintf("staff%03d@northwind.example", i+1)
		inv, err := svc.Invite(ctx, sys, email, roles[i%len(roles)])
		if err != nil {
			return err
		}
		secret := inv.Link[strings.LastIndex(inv.Link, "/")+1:]
		if _, _, err := svc.AcceptInvitation(ctx, secret, nil, fmt.Sprintf("Staff Member %03d", i+1), res.Password, meta); err != nil {
			return err
		}
		emails = append(emails, email)
	}
	done()
	owners := []string{People[1].Email, People[2].Email, People[3].Email, People[4].Email, People[5].Email, People[6].Email}
	rng := mrand.New(mrand.NewPCG(27001, 20000))

	done = step("assets: %d through the import…", size.Assets)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"Name", "Type", "Classification", "Owner", "Location", "Confidentiality", "Integrity", "Availability", "Personal data", "Status"})
	for i := 0; i < size.Assets; i++ {
		k := assetKinds[i%len(assetKinds)]
		pd := "no"
		if k.typ == "information" && rng.IntN(2) == 0 {
			pd = "yes"
		}
		_ = w.Write([]string{fmt.Sprintf("%s %05d", k.names[(i/len(assetKinds))%len(k.names)], i+1), k.typ, k.class, owners[rng.IntN(len(owners))],
			k.locations[rng.IntN(len(k.locations))], strconv.Itoa(1 + rng.IntN(4)), strconv.Itoa(1 + rng.IntN(4)), strconv.Itoa(1 + rng.IntN(4)), pd, "in_use"})
	}
	w.Flush()
	tbl, err := tabular.Read(bytes.NewReader(buf.Bytes()), "assets.csv", assets.AssetFields, tabular.Options{})
	if err != nil {
		return err
	}
	if r, err := svc.Assets.ImportAssets(ctx, sys, tbl, false); err != nil {
		return fmt.Errorf("large demo assets: %w", err)
	} else if len(r.Errors) > 0 {
		return fmt.Errorf("large demo assets: row %d: %s", r.Errors[0].Row, r.Errors[0].Message)
	}
	done()

	done = step("risks: %d through the import…", size.Risks)
	threats, err := svc.Risks.Library(ctx, sys, "threat")
	if err != nil {
		return err
	}
	buf.Reset()
	w = csv.NewWriter(&buf)
	_ = w.Write([]string{"Title", "Category", "Threat", "Owner", "Assets", "Inherent likelihood", "Inherent impact", "Treatment", "Residual likelihood", "Residual impact", "Controls", "Review date"})
	for i := 0; i < size.Risks; i++ {
		th := threats[i%len(threats)]
		l, im := 1+rng.IntN(5), 1+rng.IntN(5)
		rl, ri := max(1, l-1-rng.IntN(2)), max(1, im-rng.IntN(2))
		asset := fmt.Sprintf("A-%03d", 151+rng.IntN(size.Assets)) // the normal demo's 150 come first
		_ = w.Write([]string{fmt.Sprintf("%s (scenario %05d)", th.Name, i+1), th.Category, th.Name, owners[rng.IntN(len(owners))], asset,
			strconv.Itoa(l), strconv.Itoa(im), []string{"mitigate", "mitigate", "transfer", "accept", "avoid"}[rng.IntN(5)], strconv.Itoa(rl), strconv.Itoa(ri),
			tabular.JoinMulti(th.Controls), fmt.Sprintf("2027-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28))})
	}
	w.Flush()
	tbl, err = tabular.Read(bytes.NewReader(buf.Bytes()), "risks.csv", risks.RiskFields, tabular.Options{})
	if err != nil {
		return err
	}
	if r, err := svc.Risks.ImportRisks(ctx, sys, tbl, false); err != nil {
		return fmt.Errorf("large demo risks: %w", err)
	} else if len(r.Errors) > 0 {
		return fmt.Errorf("large demo risks: row %d: %s", r.Errors[0].Row, r.Errors[0].Message)
	}
	done()

	if size.Incidents > 0 {
		done = step("incidents: %d recorded and handled…", size.Incidents)
		if err := growIncidents(ctx, svc, org, size.Incidents, rng); err != nil {
			return fmt.Errorf("large demo incidents: %w", err)
		}
		done()
	}
	if size.Suppliers > 0 {
		done = step("suppliers: %d through the import…", size.Suppliers)
		if err := growSuppliers(ctx, svc, sys, size.Suppliers, rng); err != nil {
			return fmt.Errorf("large demo suppliers: %w", err)
		}
		done()
	}

	var have int64
	if err := svc.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		have, err = tx.CountAuditEntries(ctx, org.ID)
		return err
	}); err != nil {
		return err
	}
	if size.AuditEntries > have {
		done = step("audit history: %d entries…", size.AuditEntries-have)
		if err := appendHistory(ctx, svc, org.ID, size.AuditEntries-have, progress); err != nil {
			return err
		}
		done()
	}
	if err := svc.DB.Optimize(ctx, "audit_log", "audit_checkpoints", "members", "users"); err != nil {
		return err
	}
	return nil
}

// appendHistory appends n history entries to orgID's chain, 10,000 per transaction, spread over the
// organisation's risks and members.
func appendHistory(ctx context.Context, svc *areas.ISMS, orgID string, n int64, progress io.Writer) error {
	type ref struct{ id, ref string }
	var riskRefs []ref
	var actors []string
	err := svc.DB.Read(ctx, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, ref FROM risks WHERE org_id = ? ORDER BY ref_number`, orgID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r ref
			if err := rows.Scan(&r.id, &r.ref); err != nil {
				return err
			}
			riskRefs = append(riskRefs, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		mrows, err := tx.Query(ctx, `SELECT id FROM members WHERE org_id = ?`, orgID)
		if err != nil {
			return err
		}
		defer mrows.Close()
		for mrows.Next() {
			var id string
			if err := mrows.Scan(&id); err != nil {
				return err
			}
			actors = append(actors, id)
		}
		return mrows.Err()
	})
	if err != nil {
		return fmt.Errorf("large demo history: %w", err)
	}
	if len(riskRefs) == 0 || len(actors) == 0 {
		return fmt.Errorf("large demo history: no risks or members to write history for")
	}
	const perTx = 10000
	changes := []byte(`{"note":"synthetic history written by bulwark demo --size large"}`)
	for written := int64(0); written < n; {
		batch := make([]*bulwark.AuditEntry, 0, perTx)
		for ; len(batch) < perTx && written < n; written++ {
			r := riskRefs[written%int64(len(riskRefs))]
			batch = append(batch, &bulwark.AuditEntry{ActorID: actors[written%int64(len(actors))], Action: "demo.history",
				EntityType: "risk", EntityID: r.id, EntityRef: r.ref, Changes: changes})
		}
		if err := svc.DB.Write(ctx, func(tx *sqlstore.Tx) error { return tx.AppendAuditBatch(ctx, orgID, batch) }); err != nil {
			return fmt.Errorf("large demo history: %w", err)
		}
		if written%100000 == 0 {
			fmt.Fprintf(progress, " %d", written)
		}
	}
	return nil
}

func appMeta() app.Meta { return app.Meta{ActorID: "cli:demo"} }
