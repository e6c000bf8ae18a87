package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/bulwark-isms/bulwark/catalog"
)

// The data migrations below are history: they give organisations that existed
// before an area what that area seeded at the time. The live seeding belongs to
// the areas (they register it with the organisation's creation); these copies are
// frozen so the kernel imports no area and an old database upgrades the same way
// whatever the areas later seed.

// methodologyV1 is risk methodology version 1 as it was seeded on 2026-11-27.
const methodologyV1 = `{"version":1,"likelihood":[{"value":1,"label":"Rare","description":"Not expected in the next five years; no known occurrence here or at peers."},{"value":2,"label":"Unlikely","description":"Could happen within five years; has happened at peers."},{"value":3,"label":"Possible","description":"Could happen within a year or two; has happened here before."},{"value":4,"label":"Likely","description":"Expected within the year; warning signs are present."},{"value":5,"label":"Almost certain","description":"Happening now or expected within months."}],"impact":[{"value":1,"label":"Negligible","description":"No lasting effect; handled in normal work."},{"value":2,"label":"Minor","description":"Short disruption or small cost; no customer or legal effect."},{"value":3,"label":"Moderate","description":"Noticeable disruption, complaints or cost; a reportable incident is possible."},{"value":4,"label":"Major","description":"Serious disruption, regulator interest, loss of important customers or data."},{"value":5,"label":"Severe","description":"Threatens the organisation: long outage, large fines, breach of many records."}],"score_rule":"product","levels":[{"label":"Low","min":1,"max":4,"color":"#2e7d32"},{"label":"Medium","min":5,"max":9,"color":"#f9a825"},{"label":"High","min":10,"max":16,"color":"#ef6c00"},{"label":"Critical","min":17,"max":25,"color":"#c62828"}],"acceptable_up_to":"Medium","status":"approved","approved_by":null,"approved_at":null}`

// seedRiskMethodologyV1 gives orgID methodology version 1 unless it has one.
func seedRiskMethodologyV1(ctx context.Context, tx *Tx, orgID string) error {
	_, err := tx.Exec(ctx, `INSERT INTO risk_methodologies (org_id, version, body, status, created_by, created_at, approved_by, approved_at)
		VALUES (?, 1, ?, 'approved', 'system', ?, 'system', ?) ON CONFLICT DO NOTHING`, orgID, methodologyV1, tx.now, tx.now)
	if err != nil {
		return fmt.Errorf("seed risk methodology: %w", err)
	}
	return nil
}

// seedRiskLibraryV1 copies Bulwark's threat and vulnerability library to orgID;
// entries already there stay.
func seedRiskLibraryV1(ctx context.Context, tx *Tx, orgID string) error {
	threats, vulns, err := catalog.Library()
	if err != nil {
		return err
	}
	for _, group := range []struct {
		kind    string
		entries []catalog.LibraryEntry
	}{{"threat", threats}, {"vulnerability", vulns}} {
		for _, e := range group.entries {
			controls, err := json.Marshal(e.Controls)
			if err != nil {
				return err
			}
			affects := []byte("[]")
			if e.Affects != nil {
				if affects, err = json.Marshal(e.Affects); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO risk_library (id, org_id, kind, ref, name, category, description, controls, affects) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				NewID(), orgID, group.kind, e.Ref, e.Name, e.Category, e.Description, string(controls), string(affects)); err != nil {
				return fmt.Errorf("seed risk library: %w", err)
			}
		}
	}
	return nil
}
