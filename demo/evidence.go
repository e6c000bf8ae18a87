package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/areas/evidence"
)

// evidenceFor are the records an auditor would sample for some controls: a
// title and the kind of proof. Other implemented controls get a review record.
var evidenceFor = map[string]struct{ title, kind string }{
	"A.5.1":  {"Information security policy approval minutes", "note"},
	"A.5.9":  {"Asset inventory export", "file"},
	"A.5.15": {"Quarterly access review", "file"},
	"A.5.17": {"Password manager policy settings", "link"},
	"A.5.24": {"Incident response plan walk-through", "note"},
	"A.5.30": {"Disaster recovery test report", "file"},
	"A.6.3":  {"Awareness training completion report", "file"},
	"A.8.5":  {"MFA enforcement settings (identity provider)", "link"},
	"A.8.7":  {"Endpoint protection coverage report", "file"},
	"A.8.8":  {"Vulnerability scan summary", "file"},
	"A.8.13": {"Backup restore test", "note"},
	"A.8.15": {"Log retention configuration", "link"},
	"A.8.16": {"Monitoring alert review", "file"},
	"A.8.24": {"TLS configuration review", "file"},
	"A.8.32": {"Change advisory board log", "link"},
}

// seedEvidence gives most implemented controls evidence owned by the control's
// owner: files (stored in the blob store), links and notes, mostly current, a
// few stale and a few expiring within the month.
func seedEvidence(ctx context.Context, svc *areas.ISMS, manager *bulwark.Principal, controlSet []*controls.Control, rng *mrand.Rand) error {
	today := time.Now().UTC()
	day := func(n int) *string { s := today.AddDate(0, 0, n).Format(time.DateOnly); return &s }
	n := 0
	for _, c := range controlSet {
		cur, err := svc.Controls.Control(ctx, manager, c.ID)
		if err != nil {
			return err
		}
		if cur.Status != "implemented" || rng.IntN(6) == 0 {
			continue // about one implemented control in six still lacks evidence
		}
		n++
		spec, ok := evidenceFor[cur.Ref]
		if !ok {
			spec.title, spec.kind = cur.Title+": review record", []string{"file", "note", "link"}[rng.IntN(3)]
		}
		var until *string
		switch {
		case n%11 == 0:
			until = day(-1 - rng.IntN(60)) // stale
		case n%7 == 0:
			until = day(3 + rng.IntN(25)) // expiring within the month
		default:
			until = day(60 + rng.IntN(300))
		}
		effective := day(-90 - rng.IntN(60))
		title, desc := spec.title, "Sampled for "+cur.Ref+" "+cur.Title+"."
		in := evidence.Input{Title: &title, Description: &desc, OwnerID: &cur.OwnerID, EffectiveDate: &effective, ValidUntil: &until, ControlIDs: &[]string{cur.ID}}
		var content evidence.Content
		switch spec.kind {
		case "file":
			body := fmt.Sprintf("%s\nControl: %s %s\nPeriod: %s to %s\nReviewed by: %s\n\nitem,result,notes\n", spec.title, cur.Ref, cur.Title, *effective, *until, manager.Org.Name)
			for i := 1; i <= 5+rng.IntN(20); i++ {
				body += fmt.Sprintf("check-%02d,%s,\n", i, []string{"pass", "pass", "pass", "exception noted"}[rng.IntN(4)])
			}
			name := strings.ToLower(strings.NewReplacer(" ", "-", "(", "", ")", "", ":", "").Replace(spec.title)) + ".csv"
			f, err := svc.Evidence.StoreFile(ctx, manager, name, strings.NewReader(body), 1<<20)
			if err != nil {
				return fmt.Errorf("demo evidence file %s: %w", name, err)
			}
			content.File = f
		case "link":
			u := "https://intranet.northwind.example/isms/evidence/" + strings.ToLower(strings.ReplaceAll(cur.Ref, ".", "-"))
			in.URL = &u
		default:
			note := fmt.Sprintf("%s: checked by the control owner on %s; no exceptions beyond those in the risk register.", spec.title, *effective)
			in.Note = &note
		}
		if _, err := svc.Evidence.Create(ctx, manager, in, content); err != nil {
			return fmt.Errorf("demo evidence for %s: %w", cur.Ref, err)
		}
	}
	return nil
}
