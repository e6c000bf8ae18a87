package sqlstore

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
)

// SortField is a column a list can be ordered by: its SQL expression and the
// kind of value a cursor carries for it.
type SortField struct {
	Expr string
	Kind byte // 'n' number, 's' text, 't' time
}

// Keyset is one page request of a list ordered by a sort field then by id: the
// condition that continues after the cursor, and the ORDER BY and LIMIT.
type Keyset struct {
	Field string // the sort field's name
	Limit int    // page size
	Cond  string // the condition that continues after the cursor; "" on the first page
	Args  []any  // Cond's arguments
	sf    SortField
	desc  bool
}

// NewKeyset parses sort ("field" or "-field"; def when empty), the opaque cursor
// and the page size (50 by default, at most 500). idCol breaks ties.
func NewKeyset(sortParam, cursorParam string, limit int, fields map[string]SortField, def, idCol string) (*Keyset, error) {
	k := &Keyset{Field: strings.TrimPrefix(sortParam, "-"), desc: strings.HasPrefix(sortParam, "-"), Limit: limit}
	if k.Field == "" {
		k.Field = def
	}
	sf, ok := fields[k.Field]
	if !ok {
		names := make([]string, 0, len(fields))
		for n := range fields {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, bulwark.Invalid("sort", "must be one of "+strings.Join(names, ", ")+", optionally with a leading -")
	}
	k.sf = sf
	if k.Limit <= 0 {
		k.Limit = 50
	}
	k.Limit = min(k.Limit, 500)
	if cursorParam == "" {
		return k, nil
	}
	c, err := decodeCursor(cursorParam)
	if err != nil {
		return nil, err
	}
	bad := bulwark.Invalid("cursor", "is not a cursor returned by this list")
	var v any = c.V
	switch sf.Kind {
	case 'n':
		if c.N < 0 || c.N > 1<<31-1 { // the columns are 32-bit
			return nil, bad
		}
		v = c.N
	case 't':
		t, err := time.Parse(sqliteTimeLayout, c.V)
		if err != nil {
			return nil, bad
		}
		v = t
	}
	cmp := ">"
	if k.desc {
		cmp = "<"
	}
	k.Cond = fmt.Sprintf("(%s %s ? OR (%s = ? AND %s %s ?))", sf.Expr, cmp, sf.Expr, idCol, cmp)
	k.Args = []any{v, v, c.ID}
	return k, nil
}

// OrderLimit is the ORDER BY and LIMIT clause, and args with the limit appended:
// one row more than the page tells whether another page follows. The limit is a
// parameter, so every page size shares one prepared statement.
func (k *Keyset) OrderLimit(idCol string, args []any) (string, []any) {
	dir := "ASC"
	if k.desc {
		dir = "DESC"
	}
	return fmt.Sprintf(` ORDER BY %s %s, %s %s LIMIT ?`, k.sf.Expr, dir, idCol, dir), append(args, k.Limit+1)
}

// Next returns the cursor after a row with id whose sort value is v (an int, a
// string, a *string or a time.Time).
func (k *Keyset) Next(id string, v any) string {
	c := cursor{ID: id}
	switch x := v.(type) {
	case int:
		c.N = int64(x)
	case string:
		c.V = x
	case *string:
		if x != nil {
			c.V = *x
		}
	case time.Time:
		c.V = x.Format(sqliteTimeLayout)
	}
	return c.encode()
}

// cursor is a keyset position in a list: the sort value of the last row seen
// (text V or number N) and its id, as an opaque URL-safe string.
type cursor struct {
	V  string `json:"v"`
	N  int64  `json:"n,omitempty"`
	ID string `json:"id"`
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == "" {
		return c, bulwark.Invalid("cursor", "is not a cursor returned by this list")
	}
	return c, nil
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewKeysetOrAll is NewKeyset for lists that the pages read whole and the API reads in pages: nil,
// the whole list, when neither a limit nor a cursor is given.
func NewKeysetOrAll(sortParam, cursorParam string, limit int, fields map[string]SortField, def, idCol string) (*Keyset, error) {
	if limit == 0 && cursorParam == "" {
		return nil, nil
	}
	return NewKeyset(sortParam, cursorParam, limit, fields, def, idCol)
}

// Apply appends the page's condition, order and limit to q and its args; a nil keyset (the whole
// list) appends only ORDER BY wholeOrder.
func (k *Keyset) Apply(q string, args []any, idCol, wholeOrder string) (string, []any) {
	if k == nil {
		return q + ` ORDER BY ` + wholeOrder, args
	}
	if k.Cond != "" {
		q, args = q+` AND `+k.Cond, append(args, k.Args...)
	}
	order, args := k.OrderLimit(idCol, args)
	return q + order, args
}

// Cut drops the extra row a page read and returns the cursor after the last row kept, from its id
// and sort value ("" on the last page, and for a nil keyset).
func Cut[T any](k *Keyset, rows []T, last func(T) (id string, v any)) ([]T, string) {
	if k == nil || len(rows) <= k.Limit {
		return rows, ""
	}
	rows = rows[:k.Limit]
	id, v := last(rows[len(rows)-1])
	return rows, k.Next(id, v)
}
