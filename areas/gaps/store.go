package gaps

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/coverage"
	"github.com/bulwark-isms/bulwark/areas/frameworks"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// store is a transaction seen from the area: the kernel's methods and the area's SQL.
type store struct{ *sqlstore.Tx }

const assessmentColumns = `a.id, a.ref, a.title, f.slug, f.name, a.status, a.created_by, a.created_at, a.finished_at, a.version, a.framework_id`

func scanAssessment(row interface{ Scan(...any) error }) (*Assessment, string, error) {
	var a Assessment
	var by sql.NullString
	var finished sql.NullTime
	var fwID string
	err := row.Scan(&a.ID, &a.Ref, &a.Title, &a.Framework, &a.FrameworkName, &a.Status, &by, &a.CreatedAt, &finished, &a.Version, &fwID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", bulwark.Errorf(bulwark.ENOTFOUND, "Gap assessment not found.")
	}
	if err != nil {
		return nil, "", fmt.Errorf("scan gap assessment: %w", err)
	}
	a.CreatedBy, a.FinishedAt = sqlstore.StrPtr(by), sqlstore.TimePtr(finished)
	a.CreatedAt = a.CreatedAt.UTC()
	return &a, fwID, nil
}

// assessments lists orgID's gap assessments, newest first, each scored: the scope of each framework and every
// answer are read once, whatever the number of assessments.
func (tx store) assessments(ctx context.Context, orgID string) ([]*Assessment, error) {
	rows, err := tx.Query(ctx, `SELECT `+assessmentColumns+` FROM gap_assessments a JOIN frameworks f ON f.id = a.framework_id
		WHERE a.org_id = ? ORDER BY a.created_at DESC, a.ref DESC`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list gap assessments: %w", err)
	}
	var out []*Assessment
	frameworkOf := map[string]string{}
	for rows.Next() {
		a, fwID, err := scanAssessment(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		frameworkOf[a.ID] = fwID
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	scopes := map[string][]Item{}
	for _, a := range out {
		fw := frameworkOf[a.ID]
		if _, ok := scopes[fw]; !ok {
			if scopes[fw], err = tx.scope(ctx, fw); err != nil {
				return nil, err
			}
		}
		a.Items = slices.Clone(scopes[fw])
	}
	if err := tx.fillAnswers(ctx, orgID, "", out); err != nil {
		return nil, err
	}
	for _, a := range out {
		a.Rescore()
	}
	return out, nil
}

// assessment reads one of orgID's assessments, by id or ref, with every requirement in scope and its answer,
// scored.
func (tx store) assessment(ctx context.Context, orgID, key string) (*Assessment, error) {
	a, fwID, err := scanAssessment(tx.QueryRow(ctx, `SELECT `+assessmentColumns+` FROM gap_assessments a JOIN frameworks f ON f.id = a.framework_id
		WHERE a.org_id = ? AND (a.id = ? OR a.ref = ?)`, orgID, key, key))
	if err != nil {
		return nil, err
	}
	if a.Items, err = tx.scope(ctx, fwID); err != nil {
		return nil, err
	}
	if err := tx.fillAnswers(ctx, orgID, a.ID, []*Assessment{a}); err != nil {
		return nil, err
	}
	a.Rescore()
	return a, nil
}

// fillAnswers puts the stored answers on the items of as (all of orgID's assessments, or the one onlyID), one
// query.
func (tx store) fillAnswers(ctx context.Context, orgID, onlyID string, as []*Assessment) error {
	index := map[string]map[string]int{} // assessment id → requirement id → item
	for _, a := range as {
		index[a.ID] = make(map[string]int, len(a.Items))
		for i, it := range a.Items {
			index[a.ID][it.RequirementID] = i
		}
	}
	q, args := `SELECT assessment_id, requirement_id, answer, notes, evidence_url FROM gap_answers WHERE org_id = ?`, []any{orgID}
	if onlyID != "" {
		q, args = q+` AND assessment_id = ?`, append(args, onlyID)
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("gap answers: %w", err)
	}
	defer rows.Close()
	byID := map[string]*Assessment{}
	for _, a := range as {
		byID[a.ID] = a
	}
	for rows.Next() {
		var aid, rid, answer, notes, url string
		if err := rows.Scan(&aid, &rid, &answer, &notes, &url); err != nil {
			return err
		}
		if i, ok := index[aid][rid]; ok {
			it := &byID[aid].Items[i]
			it.Answer, it.Notes, it.EvidenceURL = answer, notes, url
		}
	}
	return rows.Err()
}

// scope lists the requirements a gap assessment of framework fw answers, in the catalog's order, each with
// its group: for ISO/IEC 27001 the clauses of 4 to 10 (headings left out) by clause and the Annex A controls by
// theme; elsewhere what coverage counts, by top-level parent.
func (tx store) scope(ctx context.Context, fw string) ([]Item, error) {
	all, err := frameworks.Outlines(ctx, tx.Tx)
	if err != nil {
		return nil, err
	}
	var outlines []frameworks.Outline
	parents, byRef := map[string]bool{}, map[string]frameworks.Outline{}
	for _, o := range all {
		if o.Framework != fw {
			continue
		}
		outlines = append(outlines, o)
		byRef[o.Ref] = o
		if o.ParentRef != "" {
			parents[o.ParentRef] = true
		}
	}
	themes, err := frameworks.AttributeOf(ctx, tx.Tx, "theme")
	if err != nil {
		return nil, err
	}
	rules, known := coverage.FrameworkRules[fw]
	root := func(o frameworks.Outline) frameworks.Outline {
		for hops := 0; o.ParentRef != "" && hops < 10; hops++ {
			p, ok := byRef[o.ParentRef]
			if !ok {
				break
			}
			o = p
		}
		return o
	}
	var items []Item
	for _, o := range outlines {
		it := Item{RequirementID: o.ID, Ref: o.Ref, Title: o.Title}
		switch {
		case fw == "iso27001-2022" && o.Kind == "clause":
			if parents[o.Ref] {
				continue // a heading
			}
			r := root(o)
			it.Group = "Clause " + r.Ref + " " + r.Title
		case fw == "iso27001-2022" && o.Kind == "control":
			it.Group = "Annex A " + themes[o.ID]
		case !known || rules.AllKinds || o.Kind == rules.Counted:
			if r := root(o); r.Ref != o.Ref {
				it.Group = r.Ref + " " + r.Title
			} else {
				it.Group = "All requirements"
			}
		default:
			continue
		}
		items = append(items, it)
	}
	return items, nil
}

// insertAssessment stores a new assessment.
func (tx store) insertAssessment(ctx context.Context, orgID, fwID string, a *Assessment) error {
	a.ID, a.CreatedAt, a.Version, a.Status = sqlstore.NewID(), tx.Now(), 1, InProgress
	_, err := tx.Exec(ctx, `INSERT INTO gap_assessments (id, org_id, ref, title, framework_id, status, created_by, created_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		a.ID, orgID, a.Ref, a.Title, fwID, a.Status, a.CreatedBy, a.CreatedAt)
	if err != nil {
		return fmt.Errorf("insert gap assessment: %w", err)
	}
	return nil
}

// saveAnswer writes one answer (replacing the one before) and bumps the assessment's version, unless the
// assessment was finished meanwhile (a Finish that committed after it was read): then nothing is written.
func (tx store) saveAnswer(ctx context.Context, orgID, assessmentID string, it Item, by *string) error {
	res, err := tx.Exec(ctx, `UPDATE gap_assessments SET version = version + 1 WHERE org_id = ? AND id = ? AND status = ?`, orgID, assessmentID, InProgress)
	if err != nil {
		return fmt.Errorf("save gap answer: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The assessment was finished meanwhile: its answers stay as they were.")
	}
	if _, err := tx.Exec(ctx, `INSERT INTO gap_answers (org_id, assessment_id, requirement_id, answer, notes, evidence_url, answered_by, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, assessment_id, requirement_id) DO UPDATE SET answer = excluded.answer, notes = excluded.notes, evidence_url = excluded.evidence_url,
		answered_by = excluded.answered_by, answered_at = excluded.answered_at`,
		orgID, assessmentID, it.RequirementID, it.Answer, it.Notes, it.EvidenceURL, by, tx.Now()); err != nil {
		return fmt.Errorf("save gap answer: %w", err)
	}
	return nil
}

// finish closes an assessment still in progress: its answers stay as they are.
func (tx store) finish(ctx context.Context, orgID, id string) error {
	res, err := tx.Exec(ctx, `UPDATE gap_assessments SET status = ?, finished_at = ?, version = version + 1 WHERE org_id = ? AND id = ? AND status = ?`,
		Finished, tx.Now(), orgID, id, InProgress)
	if err != nil {
		return fmt.Errorf("finish gap assessment: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The assessment was finished meanwhile.")
	}
	return nil
}
