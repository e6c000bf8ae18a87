// Package field declares each entity's fields once — name, label, type, allowed
// values, required on create, read-only, help, spreadsheet headers — and derives
// from that one declaration the decoding and checking of JSON and form input, the
// spreadsheet columns and their order, and the entity's OpenAPI schemas, so that
// the four cannot drift apart.
package field

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/tabular"
)

// Kind is the type of a field's value.
type Kind string

// The kinds of field.
const (
	String   Kind = "string"    // text
	Int      Kind = "integer"   // a whole number
	Bool     Kind = "boolean"   // true or false
	Date     Kind = "date"      // a calendar date, YYYY-MM-DD
	DateTime Kind = "date-time" // an RFC 3339 time (set by Bulwark)
	Strings  Kind = "strings"   // a list of texts (tags, ids)
	Object   Kind = "object"    // a JSON object (set by Bulwark, e.g. a methodology)
	Objects  Kind = "objects"   // a list of JSON objects (set by Bulwark, e.g. requirement links)
)

// Field is one field of an entity.
type Field struct {
	Name     string   // the JSON name, snake_case
	Label    string   // what people read: form labels, spreadsheet headers, messages
	Kind     Kind     // the value's type
	Enum     []string // the allowed values (of each item, for Strings); matched case-insensitively
	Nullable bool     // null is a value (it clears the field)
	Required bool     // must be given on create
	ReadOnly bool     // in responses only: derived or set by Bulwark; sending it is a 422
	Input    bool     // in requests only (a reason for a change), never in responses
	Min, Max int      // the range of an Int, when Max > 0
	Help     string   // one sentence for people: form help and the OpenAPI description
	Aliases  []string // other spreadsheet headers people write for the column
	Sheet    bool     // a spreadsheet column (imports and exports), in declaration order
	Optional bool     // may be absent from a response (omitted when empty)
	// Schema, when set, is the value's JSON schema as written out, for a structured
	// Object or Objects field (a methodology's scales).
	Schema map[string]any
}

// Entity is a named list of fields: an asset, a risk, a control…
type Entity struct {
	Name   string // the schema's name in the OpenAPI document ("Asset")
	Fields []Field
}

// Field returns the field called name, or nil.
func (e *Entity) Field(name string) *Field {
	for i := range e.Fields {
		if e.Fields[i].Name == name {
			return &e.Fields[i]
		}
	}
	return nil
}

// Sheet returns the spreadsheet columns in export order; read-only columns are
// derived (exported, and compared rather than written on import).
func (e *Entity) Sheet() []tabular.Field {
	var out []tabular.Field
	for _, f := range e.Fields {
		if f.Sheet {
			out = append(out, tabular.Field{Name: f.Name, Label: f.Label, Aliases: f.Aliases, Derived: f.ReadOnly})
		}
	}
	return out
}

// Values is decoded input: the fields that were given, with their values.
type Values struct {
	given map[string]value
}

type value struct {
	null bool
	v    any // string, int, bool or []string
}

// Has reports whether name was given (possibly as null).
func (v Values) Has(name string) bool { _, ok := v.given[name]; return ok }

// Str returns a text field: nil when not given, "" when given as null.
func (v Values) Str(name string) *string {
	x, ok := v.given[name]
	if !ok {
		return nil
	}
	s, _ := x.v.(string)
	return &s
}

// NullStr returns a nullable text field: nil when not given; a nil inside when
// given as null or empty (it clears the field).
func (v Values) NullStr(name string) **string {
	x, ok := v.given[name]
	if !ok {
		return nil
	}
	var p *string
	if s, _ := x.v.(string); !x.null && s != "" {
		p = &s
	}
	return &p
}

// NullInt returns a nullable integer field: nil when not given; a nil inside when
// given as null.
func (v Values) NullInt(name string) **int {
	x, ok := v.given[name]
	if !ok {
		return nil
	}
	var p *int
	if n, isInt := x.v.(int); !x.null && isInt {
		p = &n
	}
	return &p
}

// Int returns an integer field, nil when not given or null.
func (v Values) Int(name string) *int {
	if p := v.NullInt(name); p != nil {
		return *p
	}
	return nil
}

// Bool returns a boolean field, nil when not given; null is false.
func (v Values) Bool(name string) *bool {
	x, ok := v.given[name]
	if !ok {
		return nil
	}
	b, _ := x.v.(bool)
	return &b
}

// List returns a list field, nil when not given; null is the empty list.
func (v Values) List(name string) *[]string {
	x, ok := v.given[name]
	if !ok {
		return nil
	}
	l, _ := x.v.([]string)
	if l == nil {
		l = []string{}
	}
	return &l
}

// Into unmarshals a structured (Object or Objects) field into dst; it reports
// whether the field was given.
func (v Values) Into(name string, dst any) (bool, error) {
	x, ok := v.given[name]
	if !ok || x.null {
		return ok, nil
	}
	raw, _ := x.v.(json.RawMessage)
	if err := json.Unmarshal(raw, dst); err != nil {
		return true, bulwark.Invalid(name, "has the wrong shape")
	}
	return true, nil
}

// DecodeJSON checks a JSON object against the entity and returns its values. An
// unknown field, a read-only one, a value of the wrong type or outside the allowed
// values, or (on create) a missing required field is a 422 naming every such
// field. ignore lists fields the caller reads itself (none of the entity's).
func (e *Entity) DecodeJSON(raw map[string]json.RawMessage, create bool, ignore ...string) (Values, error) {
	out := Values{given: map[string]value{}}
	var v bulwark.Validation
	names := make([]string, 0, len(raw))
	for k := range raw {
		names = append(names, k)
	}
	slices.Sort(names) // messages in a stable order
	for _, name := range names {
		if slices.Contains(ignore, name) {
			continue
		}
		f := e.Field(name)
		switch {
		case f == nil:
			v.Add(name, "is not a known field")
			continue
		case f.ReadOnly:
			v.Add(name, "is read-only")
			continue
		}
		val, msg := f.fromJSON(raw[name])
		if msg != "" {
			v.Add(name, msg)
			continue
		}
		out.given[name] = val
	}
	if create {
		for _, f := range e.Fields {
			if x, ok := out.given[f.Name]; f.Required && (!ok || x.null) && !v.Has(f.Name) {
				v.Add(f.Name, "is required")
			}
		}
	}
	return out, v.Err()
}

// fromJSON decodes one field's JSON value; msg says what is wrong with it.
func (f *Field) fromJSON(raw json.RawMessage) (val value, msg string) {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		if !f.Nullable && (f.Required || len(f.Enum) > 0 || f.Kind == Int || f.Kind == Date) {
			return value{}, "cannot be empty"
		}
		return value{null: true}, ""
	}
	switch f.Kind {
	case String, Date:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return value{}, "must be a text"
		}
		return f.checkText(s)
	case DateTime:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return value{}, "must be a time such as 2027-01-31T00:00:00Z"
		}
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return value{}, "must be a time such as 2027-01-31T00:00:00Z"
		}
		return value{v: s}, ""
	case Int:
		var n json.Number
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if d.Decode(&n) != nil {
			return value{}, "must be a whole number"
		}
		i, err := strconv.Atoi(n.String())
		if err != nil {
			return value{}, "must be a whole number"
		}
		return f.checkInt(i)
	case Bool:
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return value{}, "must be true or false"
		}
		return value{v: b}, ""
	case Strings:
		var l []string
		if json.Unmarshal(raw, &l) != nil {
			return value{}, "must be a list of texts"
		}
		return f.checkList(l)
	case Object, Objects:
		var x any
		if json.Unmarshal(raw, &x) != nil {
			return value{}, "must be JSON"
		}
		if _, isList := x.([]any); f.Kind == Objects && !isList {
			return value{}, "must be a list"
		}
		return value{v: raw}, ""
	default:
		return value{}, "is read-only"
	}
}

func (f *Field) checkText(s string) (value, string) {
	if f.Kind == Date && s != "" && !bulwark.ValidDate(s) {
		return value{}, "must be a date such as 2026-12-31"
	}
	if len(f.Enum) > 0 && s != "" {
		i := slices.IndexFunc(f.Enum, func(e string) bool { return strings.EqualFold(e, strings.TrimSpace(s)) })
		if i < 0 {
			return value{}, "must be one of " + strings.Join(f.Enum, ", ")
		}
		s = f.Enum[i]
	}
	return value{v: s}, ""
}

func (f *Field) checkInt(n int) (value, string) {
	if f.Max > 0 && (n < f.Min || n > f.Max) {
		return value{}, fmt.Sprintf("must be from %d to %d", f.Min, f.Max)
	}
	return value{v: n}, ""
}

func (f *Field) checkList(l []string) (value, string) {
	out := make([]string, 0, len(l))
	for _, s := range l {
		if len(f.Enum) > 0 {
			i := slices.IndexFunc(f.Enum, func(e string) bool { return strings.EqualFold(e, strings.TrimSpace(s)) })
			if i < 0 {
				return value{}, "each must be one of " + strings.Join(f.Enum, ", ")
			}
			s = f.Enum[i]
		}
		out = append(out, s)
	}
	return value{v: out}, ""
}

// DecodeForm reads the named fields of a submitted HTML form: an empty text
// clears a nullable field; a checkbox is true when sent; a list is every value
// sent under its name, or one value with items separated by " | ".
func (e *Entity) DecodeForm(form url.Values, names ...string) (Values, error) {
	out := Values{given: map[string]value{}}
	var v bulwark.Validation
	for _, name := range names {
		f := e.Field(name)
		if f == nil || f.ReadOnly {
			return out, fmt.Errorf("form field %s is not an input of %s", name, e.Name) // a programming error, not input
		}
		raw := strings.TrimSpace(form.Get(name))
		var val value
		msg := ""
		switch f.Kind {
		case Bool:
			val = value{v: raw == "on" || raw == "true"}
		case Strings:
			var items []string
			for _, s := range form[name] {
				for _, part := range strings.Split(s, "|") {
					if part = strings.TrimSpace(part); part != "" {
						items = append(items, part)
					}
				}
			}
			val, msg = f.checkList(items)
		case Int:
			if raw == "" {
				val = value{null: true}
				break
			}
			n, err := strconv.Atoi(raw)
			if err != nil {
				msg = "must be a whole number"
				if f.Max > 0 {
					msg = fmt.Sprintf("must be from %d to %d", f.Min, f.Max)
				}
				break
			}
			val, msg = f.checkInt(n)
		default:
			if raw == "" && f.Nullable {
				val = value{null: true}
				break
			}
			val, msg = f.checkText(form.Get(name))
		}
		if msg != "" {
			v.Add(name, msg)
			continue
		}
		out.given[name] = val
	}
	return out, v.Err()
}

// Schema is the entity's JSON schema as a response: every field but the
// request-only ones; those without Nullable are never null.
func (e *Entity) Schema() map[string]any {
	props := map[string]any{}
	required := []string{}
	for _, f := range e.Fields {
		if f.Input {
			continue
		}
		props[f.Name] = f.schema()
		if !f.Optional {
			required = append(required, f.Name)
		}
	}
	return map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false}
}

// RequestSchema is the entity's JSON schema as a request body: the fields a
// person may send; on create the required ones must be there.
func (e *Entity) RequestSchema(create bool) map[string]any {
	props := map[string]any{}
	required := []string{}
	for _, f := range e.Fields {
		if f.ReadOnly {
			continue
		}
		props[f.Name] = f.schema()
		if create && f.Required {
			required = append(required, f.Name)
		}
	}
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// schema is the JSON schema of one field's value.
func (f *Field) schema() map[string]any {
	if f.Schema != nil {
		s := map[string]any{}
		for k, v := range f.Schema {
			s[k] = v
		}
		if f.ReadOnly {
			s["readOnly"] = true
		}
		return s
	}
	s := map[string]any{}
	var typ string
	switch f.Kind {
	case Int:
		typ = "integer"
		if f.Max > 0 {
			s["minimum"], s["maximum"] = f.Min, f.Max
		}
	case Bool:
		typ = "boolean"
	case Date:
		typ, s["format"] = "string", "date"
	case DateTime:
		typ, s["format"] = "string", "date-time"
	case Strings:
		typ = "array"
		items := map[string]any{"type": "string"}
		if len(f.Enum) > 0 {
			items["enum"] = f.Enum
		}
		s["items"] = items
	case Objects:
		typ, s["items"] = "array", map[string]any{"type": "object"}
	case Object:
		typ = "object"
	default:
		typ = "string"
	}
	if len(f.Enum) > 0 && f.Kind != Strings {
		enum := append([]any{}, toAny(f.Enum)...)
		if f.Nullable {
			enum = append(enum, nil)
		}
		s["enum"] = enum
	}
	if f.Nullable {
		s["type"] = []string{typ, "null"}
	} else {
		s["type"] = typ
	}
	if f.ReadOnly {
		s["readOnly"] = true
	}
	if f.Input {
		s["writeOnly"] = true
	}
	if d := f.describe(); d != "" {
		s["description"] = d
	}
	return s
}

func (f *Field) describe() string {
	switch {
	case f.Label != "" && f.Help != "":
		return f.Label + ": " + f.Help
	case f.Help != "":
		return f.Help
	}
	return f.Label
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Param is a query parameter of a list, an export or an import.
type Param struct {
	Name string
	Kind Kind     // String, Int, Bool or Date
	Enum []string // allowed values
	Help string
}

// Schema is the parameter's JSON schema.
func (p Param) Schema() map[string]any {
	f := Field{Kind: p.Kind, Enum: p.Enum}
	if p.Kind == "" {
		f.Kind = String
	}
	s := f.schema()
	delete(s, "description")
	return s
}

// ListParams are the parameters every list takes, followed by its filters.
func ListParams(sortFields []string, filters ...Param) []Param {
	sorts := make([]string, 0, 2*len(sortFields))
	for _, f := range sortFields {
		sorts = append(sorts, f, "-"+f)
	}
	return append([]Param{
		{Name: "limit", Kind: Int, Help: "page size, 1 to 500 (default 50)"},
		{Name: "cursor", Help: "the next_cursor of the previous page"},
		{Name: "q", Help: "full-text search; every word matches as a prefix"},
		{Name: "sort", Enum: sorts, Help: "a field, or -field for descending order"},
		{Name: "include_archived", Kind: Bool, Help: "also list archived items"},
	}, filters...)
}

// FromStruct declares an entity from a Go type's JSON fields: the kind from the
// Go type (a pointer is nullable), a text ending in _date a date, a time a
// date-time; every field read-only until Writable says otherwise. It is for
// what Bulwark answers with, and is refined with Writable, Require, OneOf and
// Add where people write the entity too.
func FromStruct(name string, v any) *Entity {
	e := &Entity{Name: name}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
				walk(sf.Type)
				continue
			}
			tag := sf.Tag.Get("json")
			jname, opts, _ := strings.Cut(tag, ",")
			if jname == "-" || !sf.IsExported() {
				continue
			}
			if jname == "" {
				jname = sf.Name
			}
			f := Field{Name: jname, ReadOnly: true, Optional: strings.Contains(opts, "omitempty")}
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				f.Nullable = true
				ft = ft.Elem()
			}
			switch {
			case ft == reflect.TypeOf(time.Time{}):
				f.Kind = DateTime
			case ft == reflect.TypeOf(json.RawMessage{}):
				f.Kind, f.Nullable = Object, true
			case ft.Kind() == reflect.String:
				f.Kind = String
				if strings.HasSuffix(jname, "_date") {
					f.Kind = Date
				}
			case ft.Kind() == reflect.Bool:
				f.Kind = Bool
			case ft.Kind() >= reflect.Int && ft.Kind() <= reflect.Uint64:
				f.Kind = Int
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
				f.Kind = Strings
			case ft.Kind() == reflect.Slice:
				f.Kind = Objects
				if ft.Elem().Kind() == reflect.Slice {
					f.Kind = Object // a matrix: any JSON
				}
			default:
				f.Kind = Object
			}
			e.Fields = append(e.Fields, f)
		}
	}
	walk(t)
	return e
}

// Writable marks fields people may send; the rest stay read-only.
func (e *Entity) Writable(names ...string) *Entity {
	for _, n := range names {
		e.must(n).ReadOnly = false
	}
	return e
}

// Require marks fields that a create must give.
func (e *Entity) Require(names ...string) *Entity {
	for _, n := range names {
		e.must(n).Required = true
	}
	return e
}

// OneOf gives a field its allowed values.
func (e *Entity) OneOf(name string, values []string) *Entity {
	e.must(name).Enum = values
	return e
}

// Dates makes text fields calendar dates (YYYY-MM-DD), for names FromStruct
// cannot tell are dates ("valid_until").
func (e *Entity) Dates(names ...string) *Entity {
	for _, n := range names {
		e.must(n).Kind = Date
	}
	return e
}

// Range gives an integer field its bounds.
func (e *Entity) Range(name string, min, max int) *Entity {
	f := e.must(name)
	f.Min, f.Max = min, max
	return e
}

// Describe gives a field its label, help and other spreadsheet headers.
func (e *Entity) Describe(name, label, help string, aliases ...string) *Entity {
	f := e.must(name)
	f.Label, f.Help, f.Aliases = label, help, aliases
	return e
}

// Columns makes fields spreadsheet columns, in the order given.
func (e *Entity) Columns(names ...string) *Entity {
	for _, n := range names {
		e.must(n).Sheet = true
	}
	byName := map[string]int{}
	for i, n := range names {
		byName[n] = i
	}
	// The columns' order is the order given: move them, keeping the others in place.
	var cols []Field
	for _, n := range names {
		cols = append(cols, *e.must(n))
	}
	j := 0
	for i := range e.Fields {
		if _, ok := byName[e.Fields[i].Name]; ok {
			e.Fields[i] = cols[j]
			j++
		}
	}
	return e
}

// Shape gives a structured field its JSON schema as written out.
func (e *Entity) Shape(name string, schema map[string]any) *Entity {
	e.must(name).Schema = schema
	return e
}

// Add appends a field (one the struct does not hold, such as a reason for a change).
func (e *Entity) Add(f Field) *Entity {
	e.Fields = append(e.Fields, f)
	return e
}

func (e *Entity) must(name string) *Field {
	f := e.Field(name)
	if f == nil {
		panic("field: " + e.Name + " has no field " + name) // a declaration error, found by any test that builds the server
	}
	return f
}
