package documents

import (
	"context"
	"fmt"
	"slices"

	"github.com/bulwark-isms/bulwark/sqlstore"
)

// AuthoredDocument is a document a member wrote (in its working copy or a published revision),
// with what it is linked to: an auditor may not audit their own work.
type AuthoredDocument struct {
	ID, Ref, Title             string
	ControlIDs, RequirementIDs []string
}

// Authored lists the documents of orgID that memberID authored, with their links.
func Authored(ctx context.Context, tx *sqlstore.Tx, orgID, memberID string) ([]AuthoredDocument, error) {
	if memberID == "" {
		return nil, nil
	}
	like := "%" + memberID + "%"
	rows, err := tx.Query(ctx, `SELECT d.id, d.ref, d.title, d.authors FROM documents d WHERE d.org_id = ? AND (d.authors LIKE ?
		OR EXISTS (SELECT 1 FROM document_revisions r WHERE r.org_id = d.org_id AND r.document_id = d.id AND r.authors LIKE ?))`, orgID, like, like)
	if err != nil {
		return nil, fmt.Errorf("authored documents: %w", err)
	}
	var out []AuthoredDocument
	byID := map[string]int{}
	for rows.Next() {
		var d AuthoredDocument
		var authors string
		if err := rows.Scan(&d.ID, &d.Ref, &d.Title, &authors); err != nil {
			rows.Close()
			return nil, err
		}
		byID[d.ID] = len(out)
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Their links, read once for the organisation (a few hundred rows at most) rather than per document.
	for _, q := range []struct {
		sql string
		dst func(*AuthoredDocument) *[]string
	}{
		{`SELECT document_id, control_id FROM document_controls WHERE org_id = ?`, func(d *AuthoredDocument) *[]string { return &d.ControlIDs }},
		{`SELECT document_id, requirement_id FROM document_requirements WHERE org_id = ?`, func(d *AuthoredDocument) *[]string { return &d.RequirementIDs }},
	} {
		if len(out) == 0 {
			break
		}
		rows, err := tx.Query(ctx, q.sql, orgID)
		if err != nil {
			return nil, fmt.Errorf("document links: %w", err)
		}
		for rows.Next() {
			var doc, id string
			if err := rows.Scan(&doc, &id); err != nil {
				rows.Close()
				return nil, err
			}
			if i, ok := byID[doc]; ok {
				l := q.dst(&out[i])
				if !slices.Contains(*l, id) {
					*l = append(*l, id)
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
