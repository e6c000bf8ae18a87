package assets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

const assetColumns = `a.id, a.ref, a.name, a.type, a.description, a.owner_id, a.custodian_id, a.location, a.classification, a.confidentiality, a.integrity,
	a.availability, a.personal_data, a.status, a.review_date, a.tags, a.version, a.created_at, a.updated_at, a.archived_at, a.ref_number`

func scanAsset(row interface{ Scan(...any) error }) (*Asset, int, error) {
	var a Asset
	var owner, custodian, review sql.NullString
	var c, i, av sql.NullInt64
	var archived sql.NullTime
	var tags string
	var num int
	err := row.Scan(&a.ID, &a.Ref, &a.Name, &a.Type, &a.Description, &owner, &custodian, &a.Location, &a.Classification, &c, &i, &av,
		&a.PersonalData, &a.Status, &review, &tags, &a.Version, &a.CreatedAt, &a.UpdatedAt, &archived, &num)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, bulwark.Errorf(bulwark.ENOTFOUND, "Asset not found.")
	} else if err != nil {
		return nil, 0, fmt.Errorf("scan asset: %w", err)
	}
	a.OwnerID, a.CustodianID, a.ReviewDate = sqlstore.StrPtr(owner), sqlstore.StrPtr(custodian), sqlstore.StrPtr(review)
	a.Confidentiality, a.Integrity, a.Availability = sqlstore.IntPtr(c), sqlstore.IntPtr(i), sqlstore.IntPtr(av)
	a.ArchivedAt = sqlstore.TimePtr(archived)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	a.Tags = splitTags(tags)
	return &a, num, nil
}

func splitTags(s string) []string {
	out := []string{}
	for _, t := range strings.Split(s, " | ") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// AssetRefPrefix starts asset references.
const AssetRefPrefix = "A"

// InsertAsset stores a new asset of orgID; an empty Ref gets the next A-NNN.
func (tx store) InsertAsset(ctx context.Context, orgID string, a *Asset) error {
	num := bulwark.ParseRefNumber(AssetRefPrefix, a.Ref)
	if a.Ref == "" {
		n, err := tx.NextRef(ctx, orgID, AssetRefPrefix)
		if err != nil {
			return err
		}
		num, a.Ref = n, bulwark.FormatRef(AssetRefPrefix, n)
	} else if num > 0 {
		if err := tx.BumpRef(ctx, orgID, AssetRefPrefix, num); err != nil {
			return err
		}
	}
	a.ID = sqlstore.NewID()
	a.CreatedAt, a.UpdatedAt, a.Version = tx.Now(), tx.Now(), 1
	_, err := tx.Exec(ctx, `INSERT INTO assets (id, org_id, ref, ref_number, name, type, description, owner_id, custodian_id, location, classification,
		confidentiality, integrity, availability, personal_data, status, review_date, tags, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		a.ID, orgID, a.Ref, num, a.Name, a.Type, a.Description, a.OwnerID, a.CustodianID, a.Location, a.Classification,
		a.Confidentiality, a.Integrity, a.Availability, a.PersonalData, a.Status, a.ReviewDate, strings.Join(a.Tags, " | "), tx.Now(), tx.Now())
	if sqlstore.IsUniqueViolation(err) {
		return bulwark.Errorf(bulwark.ECONFLICT, "An asset with the reference %s already exists.", a.Ref)
	}
	if err != nil {
		return fmt.Errorf("insert asset: %w", err)
	}
	return tx.setAssetTags(ctx, orgID, a.ID, a.Tags, true)
}

// setAssetTags replaces the tag rows of an asset (fresh: it has none yet).
func (tx store) setAssetTags(ctx context.Context, orgID, assetID string, tags []string, fresh bool) error {
	if !fresh {
		if _, err := tx.Exec(ctx, `DELETE FROM asset_tags WHERE org_id = ? AND asset_id = ?`, orgID, assetID); err != nil {
			return fmt.Errorf("asset tags: %w", err)
		}
	}
	for _, t := range tags {
		if _, err := tx.Exec(ctx, `INSERT INTO asset_tags (org_id, asset_id, tag) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, orgID, assetID, strings.ToLower(t)); err != nil {
			return fmt.Errorf("asset tags: %w", err)
		}
	}
	return nil
}

// UpdateAsset writes every editable field of a if its version is still a.Version.
func (tx store) UpdateAsset(ctx context.Context, orgID string, a *Asset) error {
	res, err := tx.Exec(ctx, `UPDATE assets SET name = ?, type = ?, description = ?, owner_id = ?, custodian_id = ?, location = ?, classification = ?,
		confidentiality = ?, integrity = ?, availability = ?, personal_data = ?, status = ?, review_date = ?, tags = ?, archived_at = ?,
		version = version + 1, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?`,
		a.Name, a.Type, a.Description, a.OwnerID, a.CustodianID, a.Location, a.Classification, a.Confidentiality, a.Integrity, a.Availability,
		a.PersonalData, a.Status, a.ReviewDate, strings.Join(a.Tags, " | "), sqlstore.NullTime(a.ArchivedAt), tx.Now(), orgID, a.ID, a.Version)
	if err != nil {
		return fmt.Errorf("update asset: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ECONFLICT, "The asset was changed by someone else; reload and try again.")
	}
	a.Version++
	a.UpdatedAt = tx.Now()
	return tx.setAssetTags(ctx, orgID, a.ID, a.Tags, false)
}

// Asset returns asset id of orgID (archived ones too), or ENOTFOUND.
func (tx store) Asset(ctx context.Context, orgID, id string) (*Asset, error) {
	a, _, err := scanAsset(tx.QueryRow(ctx, `SELECT `+assetColumns+` FROM assets a WHERE a.org_id = ? AND a.id = ?`, orgID, id))
	return a, err
}

// AssetsByID returns orgID's assets among ids, in ref order.
func (tx store) AssetsByID(ctx context.Context, orgID string, ids []string) ([]*Asset, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, list := tx.InList("a.id", ids)
	rows, err := tx.Query(ctx, `SELECT `+assetColumns+` FROM assets a WHERE a.org_id = ? AND `+in+` ORDER BY a.ref_number`, orgID, list)
	if err != nil {
		return nil, fmt.Errorf("assets by id: %w", err)
	}
	defer rows.Close()
	var out []*Asset
	for rows.Next() {
		a, _, err := scanAsset(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AssetsByRef returns orgID's assets whose refs are in refs, keyed by ref (for imports).
func (tx store) AssetsByRef(ctx context.Context, orgID string) (map[string]*Asset, error) {
	rows, err := tx.Query(ctx, `SELECT `+assetColumns+` FROM assets a WHERE a.org_id = ?`, orgID)
	if err != nil {
		return nil, fmt.Errorf("assets by ref: %w", err)
	}
	defer rows.Close()
	out := map[string]*Asset{}
	for rows.Next() {
		a, _, err := scanAsset(rows)
		if err != nil {
			return nil, err
		}
		out[strings.ToUpper(a.Ref)] = a
	}
	return out, rows.Err()
}

// AssetFilter selects and orders assets.
type AssetFilter struct {
	Q               string
	Type            string
	Status          string
	Classification  string
	OwnerID         string
	CustodianID     string
	Tag             string
	PersonalData    *bool
	ReviewFrom      string // review_date >= (YYYY-MM-DD)
	ReviewTo        string // review_date <= (YYYY-MM-DD)
	IncludeArchived bool
	Sort            string // field, "-field" for descending; default "ref"
	Cursor          string
	Limit           int
}

// assetSortFields are the fields assets can be sorted by.
var assetSortFields = map[string]sqlstore.SortField{
	"ref": {Expr: "a.ref_number", Kind: 'n'}, "name": {Expr: "a.name", Kind: 's'}, "type": {Expr: "a.type", Kind: 's'}, "status": {Expr: "a.status", Kind: 's'},
	"classification": {Expr: "a.classification", Kind: 's'}, "review_date": {Expr: "COALESCE(a.review_date, '')", Kind: 's'},
	"created_at": {Expr: "a.created_at", Kind: 't'}, "updated_at": {Expr: "a.updated_at", Kind: 't'},
}

// Assets lists one page of orgID's assets and the cursor of the next page ("" when last).
func (tx store) Assets(ctx context.Context, orgID string, f AssetFilter) ([]*Asset, string, error) {
	var where strings.Builder
	args := []any{orgID}
	where.WriteString(` WHERE a.org_id = ?`)
	add := func(cond string, vs ...any) {
		where.WriteString(" AND " + cond)
		args = append(args, vs...)
	}
	if !f.IncludeArchived {
		add("a.archived_at IS NULL")
	}
	for _, c := range []struct{ col, v string }{{"a.type", f.Type}, {"a.status", f.Status}, {"a.classification", f.Classification}, {"a.owner_id", f.OwnerID}, {"a.custodian_id", f.CustodianID}} {
		if c.v != "" {
			add(c.col+" = ?", c.v)
		}
	}
	if f.Tag != "" {
		add("a.id IN (SELECT asset_id FROM asset_tags WHERE org_id = ? AND tag = ?)", orgID, strings.ToLower(f.Tag))
	}
	if f.PersonalData != nil {
		add("a.personal_data = ?", *f.PersonalData)
	}
	if f.ReviewFrom != "" {
		add("a.review_date >= ?", f.ReviewFrom)
	}
	if f.ReviewTo != "" {
		add("a.review_date <= ?", f.ReviewTo)
	}
	if cond, arg, ok := tx.fullText(f.Q); ok {
		add(cond, arg)
	} else if strings.TrimSpace(f.Q) != "" {
		add("1 = 0") // nothing searchable in the query: no match rather than everything
	}
	k, err := sqlstore.NewKeyset(f.Sort, f.Cursor, f.Limit, assetSortFields, "ref", "a.id")
	if err != nil {
		return nil, "", err
	}
	if k.Cond != "" {
		add(k.Cond, k.Args...)
	}
	order, args := k.OrderLimit("a.id", args)
	rows, err := tx.Query(ctx, `SELECT `+assetColumns+` FROM assets a`+where.String()+order, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list assets: %w", err)
	}
	defer rows.Close()
	var out []*Asset
	var nums []int
	for rows.Next() {
		a, n, err := scanAsset(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, a)
		nums = append(nums, n)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > k.Limit {
		out = out[:k.Limit]
		last := out[k.Limit-1]
		next = k.Next(last.ID, map[string]any{"ref": nums[k.Limit-1], "name": last.Name, "type": last.Type, "status": last.Status,
			"classification": last.Classification, "review_date": last.ReviewDate, "created_at": last.CreatedAt, "updated_at": last.UpdatedAt}[k.Field])
	}
	return out, next, nil
}

// CountAssets counts orgID's live assets.
func (tx store) CountAssets(ctx context.Context, orgID string) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM assets WHERE org_id = ? AND archived_at IS NULL`, orgID).Scan(&n)
	return n, err
}

// fullText turns a search into a dialect's full-text condition on assets: every
// word must match as a prefix ("lap" finds "laptop"). ok is false when q holds no word.
func (tx store) fullText(q string) (cond string, arg any, ok bool) {
	var words []string
	for _, w := range strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(words) < 10 {
			words = append(words, strings.ToLower(w))
		}
	}
	if len(words) == 0 {
		return "", nil, false
	}
	if tx.Dialect() == sqlstore.Postgres {
		for i := range words {
			words[i] += ":*"
		}
		return `to_tsvector('simple', a.ref || ' ' || a.name || ' ' || a.description || ' ' || a.location || ' ' || a.tags) @@ to_tsquery('simple', ?)`, strings.Join(words, " & "), true
	}
	for i := range words {
		words[i] = `"` + words[i] + `"*`
	}
	return `a.rowid IN (SELECT rowid FROM assets_fts WHERE assets_fts MATCH ?)`, strings.Join(words, " AND "), true
}

// EachAsset calls fn for every live asset of orgID in reference order, streaming.
func (tx store) EachAsset(ctx context.Context, orgID string, fn func(*Asset) error) error {
	rows, err := tx.Query(ctx, `SELECT `+assetColumns+` FROM assets a WHERE a.org_id = ? AND a.archived_at IS NULL ORDER BY a.ref_number, a.ref`, orgID)
	if err != nil {
		return fmt.Errorf("export assets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, _, err := scanAsset(rows)
		if err != nil {
			return err
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return rows.Err()
}

// InsertAssets stores many new assets of orgID with few statements (imports).
// Assets without a ref get the next numbers.
func (tx store) InsertAssets(ctx context.Context, orgID string, assets []*Asset) error {
	maxNum := 0
	for _, a := range assets {
		if n := bulwark.ParseRefNumber(AssetRefPrefix, a.Ref); n > maxNum {
			maxNum = n
		}
	}
	if maxNum > 0 {
		if err := tx.BumpRef(ctx, orgID, AssetRefPrefix, maxNum); err != nil {
			return err
		}
	}
	nums := make([]int, len(assets))
	for i, a := range assets {
		if a.Ref == "" {
			n, err := tx.NextRef(ctx, orgID, AssetRefPrefix)
			if err != nil {
				return err
			}
			a.Ref = bulwark.FormatRef(AssetRefPrefix, n)
		}
		nums[i] = bulwark.ParseRefNumber(AssetRefPrefix, a.Ref)
		a.ID = sqlstore.NewID()
		a.CreatedAt, a.UpdatedAt, a.Version = tx.Now(), tx.Now(), 1
	}
	const perStatement = 100
	for start := 0; start < len(assets); start += perStatement {
		end := min(start+perStatement, len(assets))
		var q, tq strings.Builder
		q.WriteString(`INSERT INTO assets (id, org_id, ref, ref_number, name, type, description, owner_id, custodian_id, location, classification,
			confidentiality, integrity, availability, personal_data, status, review_date, tags, version, created_at, updated_at) VALUES `)
		tq.WriteString(`INSERT INTO asset_tags (org_id, asset_id, tag) VALUES `)
		var args, targs []any
		for i := start; i < end; i++ {
			a := assets[i]
			if i > start {
				q.WriteString(", ")
			}
			q.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`)
			args = append(args, a.ID, orgID, a.Ref, nums[i], a.Name, a.Type, a.Description, a.OwnerID, a.CustodianID, a.Location, a.Classification,
				a.Confidentiality, a.Integrity, a.Availability, a.PersonalData, a.Status, a.ReviewDate, strings.Join(a.Tags, " | "), tx.Now(), tx.Now())
			seen := map[string]bool{}
			for _, t := range a.Tags {
				t = strings.ToLower(t)
				if seen[t] {
					continue
				}
				seen[t] = true
				if len(targs) > 0 {
					tq.WriteString(", ")
				}
				tq.WriteString(`(?, ?, ?)`)
				targs = append(targs, orgID, a.ID, t)
			}
		}
		if _, err := tx.ExecDynamic(ctx, q.String(), args...); err != nil {
			if sqlstore.IsUniqueViolation(err) {
				return bulwark.Errorf(bulwark.ECONFLICT, "An asset reference in the file already exists.")
			}
			return fmt.Errorf("insert assets: %w", err)
		}
		if len(targs) > 0 {
			if _, err := tx.ExecDynamic(ctx, tq.String(), targs...); err != nil {
				return fmt.Errorf("insert asset tags: %w", err)
			}
		}
	}
	return nil
}

// SearchSpec is how assets are found by the search across the ISMS (the same
// full-text index as the asset list's q).
var SearchSpec = sqlstore.FullTextSpec{Type: "asset", Table: "assets", FTS: "assets_fts", Weights: "10, 5, 1, 1, 2", Title: "name",
	PGDoc:    `t.ref || ' ' || t.name || ' ' || t.description || ' ' || t.location || ' ' || t.tags`,
	PGRanked: `setweight(to_tsvector('simple', t.ref || ' ' || t.name), 'A') || setweight(to_tsvector('simple', t.tags), 'C') || setweight(to_tsvector('simple', t.description || ' ' || t.location), 'D')`,
	PGText:   `t.description || ' ' || t.location`, Live: `t.archived_at IS NULL`}
