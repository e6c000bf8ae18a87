package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"unicode"
)

// FullTextWords splits what someone typed into at most ten lower-case words.
func FullTextWords(q string) []string {
	var words []string
	for _, w := range strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(words) < 10 {
			words = append(words, strings.ToLower(w))
		}
	}
	return words
}

// matchArg is the dialect's query for words, each matching as a prefix ("lap" finds "laptop").
func (tx *Tx) matchArg(words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		if tx.db.Dialect == Postgres {
			parts[i] = w + ":*"
		} else {
			parts[i] = `"` + w + `"*`
		}
	}
	if tx.db.Dialect == Postgres {
		return strings.Join(parts, " & ")
	}
	return strings.Join(parts, " AND ")
}

// FullTextSpec says how one table is searched: its SQLite FTS5 table (external
// content, by rowid) and the PostgreSQL text its GIN index is built on.
type FullTextSpec struct {
	Type     string // the hit's type: "document", "risk" …
	Table    string // the table, aliased t in the expressions
	FTS      string // SQLite: the FTS5 table over Table
	Weights  string // SQLite: bm25's column weights, "10, 5, 1"
	Title    string // the column shown as the hit's title ("title", "name")
	PGDoc    string // PostgreSQL: the indexed text (to_tsvector('simple', …) of it), when there is no PGVector
	PGVector string // PostgreSQL: a stored, indexed tsvector column (weighted), used to match and rank
	PGRanked string // PostgreSQL: the weighted tsvector the rank is computed on
	PGText   string // PostgreSQL: the text the snippet comes from
	Live     string // the condition of rows that count ("t.archived_at IS NULL")
}

// FullText is a condition that the row of alias matches every word of q (with
// its one argument); ok is false when q holds no word.
func (tx *Tx) FullText(spec FullTextSpec, alias, q string) (cond string, arg any, ok bool) {
	words := FullTextWords(q)
	if len(words) == 0 {
		return "", nil, false
	}
	if tx.db.Dialect == Postgres {
		if spec.PGVector != "" {
			return alias + "." + spec.PGVector + ` @@ to_tsquery('simple', ?)`, tx.matchArg(words), true
		}
		return `to_tsvector('simple', ` + strings.ReplaceAll(spec.PGDoc, "t.", alias+".") + `) @@ to_tsquery('simple', ?)`, tx.matchArg(words), true
	}
	return alias + `.rowid IN (SELECT rowid FROM ` + spec.FTS + ` WHERE ` + spec.FTS + ` MATCH ?)`, tx.matchArg(words), true
}

// SearchHit is one result of a search: what it is, how to reach it, a piece of
// its text, and how well it matched (higher first; comparable within a dialect).
type SearchHit struct {
	Type    string  `json:"type"`
	ID      string  `json:"id"`
	Ref     string  `json:"ref"`
	Title   string  `json:"title"`
	Snippet string  `json:"snippet"`
	Score   float64 `json:"score"`
}

// Search returns at most limit rows of spec's table in orgID matching every word
// of q, best first, with a snippet of the matching text.
func (tx *Tx) Search(ctx context.Context, spec FullTextSpec, orgID, q string, limit int) ([]SearchHit, error) {
	words := FullTextWords(q)
	if len(words) == 0 {
		return nil, nil
	}
	var query string
	if tx.db.Dialect == Postgres {
		match, ranked := `to_tsvector('simple', `+spec.PGDoc+`) @@ q`, spec.PGRanked
		if spec.PGVector != "" {
			match, ranked = `t.`+spec.PGVector+` @@ q`, `t.`+spec.PGVector
		}
		query = `SELECT id, ref, title, score, snip FROM (
			SELECT t.id, t.ref, t.` + spec.Title + ` AS title, ` + spec.PGText + ` AS snip, ts_rank(` + ranked + `, q) AS score, q
			FROM ` + spec.Table + ` t, to_tsquery('simple', ?) q
			WHERE ` + match + ` AND t.org_id = ? AND ` + spec.Live + `
			ORDER BY score DESC, t.id LIMIT ?) s ORDER BY score DESC, id`
	} else {
		query = `SELECT t.id, t.ref, t.` + spec.Title + `, -bm25(` + spec.FTS + `, ` + spec.Weights + `) AS score, snippet(` + spec.FTS + `, -1, '', '', '…', 16)
			FROM ` + spec.FTS + ` JOIN ` + spec.Table + ` t ON t.rowid = ` + spec.FTS + `.rowid
			WHERE ` + spec.FTS + ` MATCH ? AND t.org_id = ? AND ` + spec.Live + ` ORDER BY score DESC, t.id LIMIT ?`
	}
	rows, err := tx.Query(ctx, query, tx.matchArg(words), orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("search %s: %w", spec.Table, err)
	}
	defer rows.Close()
	var out []SearchHit
	for rows.Next() {
		h := SearchHit{Type: spec.Type}
		if err := rows.Scan(&h.ID, &h.Ref, &h.Title, &h.Score, &h.Snippet); err != nil {
			return nil, err
		}
		if tx.db.Dialect == Postgres {
			h.Snippet = snippet(h.Snippet, words) // in Go: ts_headline parses each matching text again
		}
		h.Snippet = strings.Join(strings.Fields(h.Snippet), " ")
		out = append(out, h)
	}
	return out, rows.Err()
}

// snippet cuts about sixteen words of text around the first word that starts with
// one of words, with an ellipsis where it cuts.
func snippet(text string, words []string) string {
	fields := strings.Fields(text)
	at := 0
scan:
	for i, f := range fields {
		lf := strings.ToLower(strings.TrimLeftFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
		for _, w := range words {
			if strings.HasPrefix(lf, w) {
				at = i
				break scan
			}
		}
	}
	from, to := max(0, at-5), min(len(fields), at+11)
	out := strings.Join(fields[from:to], " ")
	if from > 0 {
		out = "…" + out
	}
	if to < len(fields) {
		out += "…"
	}
	return out
}
