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

// sortField is a column a list can be ordered by: its SQL expression and the
// kind of value a cursor carries for it.
type sortField struct {
	Expr string
	Kind byte // 'n' number, 's' text, 't' time
}

// keyset is one page request of a list ordered by a sort field then by id: the
// condition that continues after the cursor, and the ORDER BY and LIMIT.
type keyset struct {
	field string
	sf    sortField
	desc  bool
	limit int
	cond  string // "" on the first page
	args  []any
}

// newKeyset parses sort ("field" or "-field"; def when empty), the opaque cursor
// and the page size (50 by default, at most 500). idCol breaks ties.
func newKeyset(sortParam, cursorParam string, limit int, fields map[string]sortField, def, idCol string) (*keyset, error) {
	k := &keyset{field: strings.TrimPrefix(sortParam, "-"), desc: strings.HasPrefix(sortParam, "-"), limit: limit}
	if k.field == "" {
		k.field = def
	}
	sf, ok := fields[k.field]
	if !ok {
		names := make([]string, 0, len(fields))
		for n := range fields {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, bulwark.Invalid("sort", "must be one of "+strings.Join(names, ", ")+", optionally with a leading -")
	}
	k.sf = sf
	if k.limit <= 0 {
		k.limit = 50
	}
	k.limit = min(k.limit, 500)
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
	k.cond = fmt.Sprintf("(%s %s ? OR (%s = ? AND %s %s ?))", sf.Expr, cmp, sf.Expr, idCol, cmp)
	k.args = []any{v, v, c.ID}
	return k, nil
}

// orderLimit is the ORDER BY and LIMIT clause; one row more than the page tells
// whether another page follows.
func (k *keyset) orderLimit(idCol string) string {
	dir := "ASC"
	if k.desc {
		dir = "DESC"
	}
	return fmt.Sprintf(` ORDER BY %s %s, %s %s LIMIT %d`, k.sf.Expr, dir, idCol, dir, k.limit+1)
}

// next returns the cursor after a row with id whose sort value is v (an int, a
// string, a *string or a time.Time).
func (k *keyset) next(id string, v any) string {
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
