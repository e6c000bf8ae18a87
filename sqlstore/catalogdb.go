package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/bulwark-isms/bulwark/catalog"
)

// goMigrations are the migrations written in Go, shared by both dialects.
func goMigrations() []Migration {
	return []Migration{
		{Version: 20261127140100, Name: "load_catalog", Go: loadCatalog},
		{Version: 20261201120100, Name: "seal_audit_checkpoints", Go: sealCheckpoints},
	}
}

// sealCheckpoints signs the checkpoints that entries written before checkpoints
// existed are due, once, with the key the database was opened with (DB.Checkpoints).
// It runs once: later, a missing checkpoint is a break, never re-signed.
func sealCheckpoints(ctx context.Context, tx *Tx) error {
	_, err := tx.SealCheckpoints(ctx, tx.db.Checkpoints)
	return err
}

// loadCatalog upserts the embedded catalog: a later migration can call it again
// when the catalog or Bulwark's guidance changes.
func loadCatalog(ctx context.Context, tx *Tx) error {
	c, err := catalog.Load()
	if err != nil {
		return err
	}
	for i, f := range c.Frameworks {
		if _, err := tx.Exec(ctx, `INSERT INTO frameworks (id, slug, name, version, publisher, description, sort_order) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, version = excluded.version, publisher = excluded.publisher, description = excluded.description, sort_order = excluded.sort_order`,
			f.Slug, f.Slug, f.Name, f.Version, f.Publisher, f.Description, i); err != nil {
			return fmt.Errorf("framework %s: %w", f.Slug, err)
		}
		for _, r := range f.Requirements {
			ev, _ := json.Marshal(r.Evidence)
			if r.Evidence == nil {
				ev = []byte("[]")
			}
			search := strings.ToLower(strings.Join([]string{r.Ref, r.Title, r.DisplayTitle, r.OfficialText, r.Guidance}, " "))
			id := r.ID(f.Slug)
			if _, err := tx.Exec(ctx, `INSERT INTO requirements (id, framework_id, ref, title, display_title, kind, parent_ref, official_text, guidance, evidence, sort_order, search_text)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET title = excluded.title, display_title = excluded.display_title, kind = excluded.kind, parent_ref = excluded.parent_ref,
				official_text = excluded.official_text, guidance = excluded.guidance, evidence = excluded.evidence, sort_order = excluded.sort_order, search_text = excluded.search_text`,
				id, f.Slug, r.Ref, r.Title, r.DisplayTitle, r.Kind, r.ParentRef, r.OfficialText, r.Guidance, string(ev), r.Order, search); err != nil {
				return fmt.Errorf("requirement %s: %w", id, err)
			}
			if _, err := tx.Exec(ctx, `DELETE FROM requirement_attributes WHERE requirement_id = ?`, id); err != nil {
				return err
			}
			for name, values := range r.Attributes {
				for _, v := range values {
					if v == "" {
						continue
					}
					if _, err := tx.Exec(ctx, `INSERT INTO requirement_attributes (requirement_id, name, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, id, name, v); err != nil {
						return err
					}
				}
			}
		}
	}
	for _, m := range c.Mappings {
		if _, err := tx.Exec(ctx, `INSERT INTO requirement_mappings (from_id, to_id, detail_ref, detail_title, relationship, source) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (from_id, to_id, detail_ref) DO UPDATE SET detail_title = excluded.detail_title, relationship = excluded.relationship, source = excluded.source`,
			catalog.RequirementID(m.FromFramework, m.FromRef), catalog.RequirementID(m.ToFramework, m.ToRef), m.DetailRef, m.DetailTitle, m.Relationship, m.Source); err != nil {
			return fmt.Errorf("mapping %s→%s: %w", m.FromRef, m.ToRef, err)
		}
	}
	return nil
}
