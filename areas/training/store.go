package training

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Reference prefixes: TRN-001 modules, CMP-001 campaigns.
const (
	TrainingPrefix = "TRN"
	CampaignPrefix = "CMP"
)

const trainingColumns = `t.id, t.ref, t.title, t.description, t.content, t.minutes, t.pass_mark, t.quiz, t.builtin_id, t.version, t.created_at, t.updated_at, t.archived_at`

func scanTraining(row interface{ Scan(...any) error }) (*Training, error) {
	var t Training
	var pass sql.NullInt64
	var quiz string
	var archived sql.NullTime
	err := row.Scan(&t.ID, &t.Ref, &t.Title, &t.Description, &t.Content, &t.Minutes, &pass, &quiz, &t.BuiltinID, &t.Version, &t.CreatedAt, &t.UpdatedAt, &archived)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Training module not found.")
	} else if err != nil {
		return nil, fmt.Errorf("scan training: %w", err)
	}
	t.PassMark, t.ArchivedAt = sqlstore.IntPtr(pass), sqlstore.TimePtr(archived)
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(quiz), &t.Quiz); err != nil {
		return nil, fmt.Errorf("training quiz: %w", err)
	}
	if t.Quiz == nil {
		t.Quiz = []Question{}
	}
	return &t, nil
}

func (tx store) insertTraining(ctx context.Context, orgID string, t *Training) error {
	n, err := tx.NextRef(ctx, orgID, TrainingPrefix)
	if err != nil {
		return err
	}
	t.Ref, t.ID = bulwark.FormatRef(TrainingPrefix, n), sqlstore.NewID()
	t.Version, t.CreatedAt, t.UpdatedAt = 1, tx.Now(), tx.Now()
	quiz, _ := json.Marshal(t.Quiz)
	_, err = tx.Exec(ctx, `INSERT INTO trainings (id, org_id, ref, ref_number, title, description, content, minutes, pass_mark, quiz, builtin_id, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, t.ID, orgID, t.Ref, n, t.Title, t.Description, t.Content, t.Minutes, t.PassMark, string(quiz), t.BuiltinID, tx.Now(), tx.Now())
	if err != nil {
		return fmt.Errorf("insert training: %w", err)
	}
	return nil
}

func (tx store) updateTraining(ctx context.Context, orgID string, t *Training) error {
	quiz, _ := json.Marshal(t.Quiz)
	res, err := tx.Exec(ctx, `UPDATE trainings SET title = ?, description = ?, content = ?, minutes = ?, pass_mark = ?, quiz = ?, archived_at = ?, version = version + 1, updated_at = ?
		WHERE org_id = ? AND id = ? AND version = ?`, t.Title, t.Description, t.Content, t.Minutes, t.PassMark, string(quiz), sqlstore.NullTime(t.ArchivedAt), tx.Now(), orgID, t.ID, t.Version)
	if err != nil {
		return fmt.Errorf("update training: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The module was changed by someone else; reload and try again.")
	}
	t.Version++
	t.UpdatedAt = tx.Now()
	return nil
}

func (tx store) training(ctx context.Context, orgID, id string) (*Training, error) {
	return scanTraining(tx.QueryRow(ctx, `SELECT `+trainingColumns+` FROM trainings t WHERE t.org_id = ? AND (t.id = ? OR t.ref = ?)`, orgID, id, strings.ToUpper(id)))
}

func (tx store) trainings(ctx context.Context, orgID string, archived bool) ([]*Training, error) {
	q := `SELECT ` + trainingColumns + ` FROM trainings t WHERE t.org_id = ?`
	if !archived {
		q += ` AND t.archived_at IS NULL`
	}
	rows, err := tx.Query(ctx, q+` ORDER BY t.ref_number`, orgID)
	if err != nil {
		return nil, fmt.Errorf("trainings: %w", err)
	}
	defer rows.Close()
	out := []*Training{}
	for rows.Next() {
		t, err := scanTraining(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

const campaignColumns = `c.id, c.ref, c.title, c.everyone, c.start_date, c.due_date, c.recurrence, c.status, c.version, c.created_at, c.updated_at`

func (tx store) campaignsWhere(ctx context.Context, orgID, cond string, args ...any) ([]*Campaign, error) {
	rows, err := tx.Query(ctx, `SELECT `+campaignColumns+` FROM training_campaigns c WHERE c.org_id = ? `+cond+` ORDER BY c.ref_number DESC`, append([]any{orgID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("campaigns: %w", err)
	}
	var out []*Campaign
	byID := map[string]*Campaign{}
	for rows.Next() {
		var c Campaign
		if err := rows.Scan(&c.ID, &c.Ref, &c.Title, &c.Everyone, &c.StartDate, &c.DueDate, &c.Recurrence, &c.Status, &c.Version, &c.CreatedAt, &c.UpdatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
		c.TrainingIDs, c.GroupIDs, c.PersonIDs = []string{}, []string{}, []string{}
		out = append(out, &c)
		byID[c.ID] = &c
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	for _, l := range []struct {
		q   string
		dst func(c *Campaign, id string)
	}{
		{`SELECT l.campaign_id, l.training_id FROM campaign_trainings l JOIN trainings t ON t.org_id = l.org_id AND t.id = l.training_id WHERE l.org_id = ? ORDER BY t.ref_number`, func(c *Campaign, id string) { c.TrainingIDs = append(c.TrainingIDs, id) }},
		{`SELECT l.campaign_id, l.group_id FROM campaign_groups l WHERE l.org_id = ? ORDER BY l.group_id`, func(c *Campaign, id string) { c.GroupIDs = append(c.GroupIDs, id) }},
		{`SELECT l.campaign_id, l.person_id FROM campaign_people l WHERE l.org_id = ? ORDER BY l.person_id`, func(c *Campaign, id string) { c.PersonIDs = append(c.PersonIDs, id) }},
	} {
		rows, err := tx.Query(ctx, l.q, orgID)
		if err != nil {
			return nil, fmt.Errorf("campaign links: %w", err)
		}
		for rows.Next() {
			var cid, id string
			if err := rows.Scan(&cid, &id); err != nil {
				rows.Close()
				return nil, err
			}
			if c := byID[cid]; c != nil {
				l.dst(c, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (tx store) campaign(ctx context.Context, orgID, id string) (*Campaign, error) {
	cs, err := tx.campaignsWhere(ctx, orgID, `AND (c.id = ? OR c.ref = ?)`, id, strings.ToUpper(id))
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "Training campaign not found.")
	}
	return cs[0], nil
}

func (tx store) insertCampaign(ctx context.Context, orgID string, createdBy *string, c *Campaign) error {
	n, err := tx.NextRef(ctx, orgID, CampaignPrefix)
	if err != nil {
		return err
	}
	c.Ref, c.ID = bulwark.FormatRef(CampaignPrefix, n), sqlstore.NewID()
	c.Version, c.CreatedAt, c.UpdatedAt = 1, tx.Now(), tx.Now()
	if _, err := tx.Exec(ctx, `INSERT INTO training_campaigns (id, org_id, ref, ref_number, title, everyone, start_date, due_date, recurrence, status, created_by, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, c.ID, orgID, c.Ref, n, c.Title, c.Everyone, c.StartDate, c.DueDate, c.Recurrence, c.Status, createdBy, tx.Now(), tx.Now()); err != nil {
		return fmt.Errorf("insert campaign: %w", err)
	}
	return tx.setCampaignLinks(ctx, orgID, c, true)
}

func (tx store) setCampaignLinks(ctx context.Context, orgID string, c *Campaign, fresh bool) error {
	for _, l := range []struct {
		table, col string
		ids        []string
	}{{"campaign_trainings", "training_id", c.TrainingIDs}, {"campaign_groups", "group_id", c.GroupIDs}, {"campaign_people", "person_id", c.PersonIDs}} {
		if !fresh {
			if _, err := tx.Exec(ctx, `DELETE FROM `+l.table+` WHERE org_id = ? AND campaign_id = ?`, orgID, c.ID); err != nil {
				return fmt.Errorf("campaign links: %w", err)
			}
		}
		for _, id := range l.ids {
			if _, err := tx.Exec(ctx, `INSERT INTO `+l.table+` (org_id, campaign_id, `+l.col+`) VALUES (?, ?, ?)`, orgID, c.ID, id); err != nil {
				return fmt.Errorf("campaign links: %w", err)
			}
		}
	}
	return nil
}

func (tx store) updateCampaign(ctx context.Context, orgID string, c *Campaign) error {
	res, err := tx.Exec(ctx, `UPDATE training_campaigns SET title = ?, everyone = ?, start_date = ?, due_date = ?, recurrence = ?, status = ?, version = version + 1, updated_at = ?
		WHERE org_id = ? AND id = ? AND version = ?`, c.Title, c.Everyone, c.StartDate, c.DueDate, c.Recurrence, c.Status, tx.Now(), orgID, c.ID, c.Version)
	if err != nil {
		return fmt.Errorf("update campaign: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The campaign was changed by someone else; reload and try again.")
	}
	c.Version++
	return tx.setCampaignLinks(ctx, orgID, c, false)
}

const recordColumns = `r.id, r.training_id, t.ref, t.title, r.person_id, pe.ref, pe.name, pe.email, r.campaign_id, r.completed_at, r.score, r.passed, r.via, r.notes`
const recordFrom = ` FROM training_records r JOIN trainings t ON t.org_id = r.org_id AND t.id = r.training_id JOIN people pe ON pe.org_id = r.org_id AND pe.id = r.person_id`

func scanRecord(row interface{ Scan(...any) error }) (*Record, error) {
	var r Record
	var campaign sql.NullString
	var score sql.NullInt64
	if err := row.Scan(&r.ID, &r.TrainingID, &r.TrainingRef, &r.TrainingTitle, &r.PersonID, &r.PersonRef, &r.PersonName, &r.Email, &campaign, &r.CompletedAt, &score, &r.Passed, &r.Via, &r.Notes); err != nil {
		return nil, fmt.Errorf("scan training record: %w", err)
	}
	r.CampaignID, r.Score, r.CompletedAt = sqlstore.StrPtr(campaign), sqlstore.IntPtr(score), r.CompletedAt.UTC()
	return &r, nil
}

// RecordFilter selects training records.
type RecordFilter struct {
	PersonID, TrainingID, CampaignID string
	Limit                            int
}

func (tx store) records(ctx context.Context, orgID string, f RecordFilter, fn func(*Record) error) error {
	q := `SELECT ` + recordColumns + recordFrom + ` WHERE r.org_id = ?`
	args := []any{orgID}
	for _, c := range []struct{ col, v string }{{"r.person_id", f.PersonID}, {"r.training_id", f.TrainingID}, {"r.campaign_id", f.CampaignID}} {
		if c.v != "" {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	q += ` ORDER BY r.completed_at DESC, r.id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("training records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (tx store) insertRecord(ctx context.Context, orgID string, r *Record, memberID *string) error {
	r.ID = sqlstore.NewID()
	if _, err := tx.Exec(ctx, `INSERT INTO training_records (id, org_id, training_id, person_id, campaign_id, completed_at, score, passed, via, member_id, notes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, orgID, r.TrainingID, r.PersonID, r.CampaignID, r.CompletedAt, r.Score, r.Passed, r.Via, memberID, r.Notes); err != nil {
		return fmt.Errorf("store training record: %w", err)
	}
	return nil
}

// passedSince returns, per person, the modules among trainingIDs they passed on or after since.
func (tx store) passedSince(ctx context.Context, orgID string, trainingIDs []string, since string, personID string) (map[string]map[string]bool, error) {
	out := map[string]map[string]bool{}
	if len(trainingIDs) == 0 {
		return out, nil
	}
	in, list := tx.InList("training_id", trainingIDs)
	q := `SELECT DISTINCT person_id, training_id FROM training_records WHERE org_id = ? AND passed AND completed_at >= ? AND ` + in
	// The cycle starts at midnight where the organisation is.
	var tz string
	if err := tx.QueryRow(ctx, `SELECT time_zone FROM organisations WHERE id = ?`, orgID).Scan(&tz); err != nil {
		return nil, fmt.Errorf("organisation time zone: %w", err)
	}
	from, err := time.ParseInLocation("2006-01-02", since, bulwark.Location(tz))
	if err != nil {
		return nil, fmt.Errorf("completions since %q: %w", since, err)
	}
	args := []any{orgID, from, list}
	if personID != "" {
		q += ` AND person_id = ?`
		args = append(args, personID)
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("completions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p, t string
		if err := rows.Scan(&p, &t); err != nil {
			return nil, err
		}
		if out[p] == nil {
			out[p] = map[string]bool{}
		}
		out[p][t] = true
	}
	return out, rows.Err()
}
