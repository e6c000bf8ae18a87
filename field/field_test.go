package field_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

var thing = &field.Entity{Name: "Thing", Fields: []field.Field{
	{Name: "id", Kind: field.String, ReadOnly: true},
	{Name: "name", Label: "Name", Kind: field.String, Required: true, Sheet: true, Aliases: []string{"Thing"}},
	{Name: "type", Kind: field.String, Enum: []string{"red", "blue"}, Sheet: true},
	{Name: "owner_id", Kind: field.String, Nullable: true},
	{Name: "score", Kind: field.Int, Nullable: true, Min: 1, Max: 4},
	{Name: "due", Kind: field.Date, Nullable: true},
	{Name: "done", Kind: field.Bool},
	{Name: "tags", Kind: field.Strings},
	{Name: "reason", Kind: field.String, Input: true},
}}

func decode(t *testing.T, body string, create bool) (field.Values, []bulwark.FieldError) {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	v, err := thing.DecodeJSON(raw, create)
	return v, bulwark.FieldErrors(err)
}

func TestDecodeJSONNamesEveryBadField(t *testing.T) {
	tests := []struct {
		name, body string
		create     bool
		fields     string // the fields named, in order
	}{
		{"valid create", `{"name":"a","type":"RED","score":2,"due":"2027-01-31","tags":["x"],"reason":"why"}`, true, ""},
		{"missing required on create", `{"type":"red"}`, true, "name"},
		{"missing required on change is fine", `{"type":"red"}`, false, ""},
		{"unknown and read-only, on create as on change", `{"name":"a","colour":"x","id":"1"}`, true, "colour,id"},
		{"unknown on change", `{"colour":"x"}`, false, "colour"},
		{"wrong types", `{"name":1,"score":"high","done":"yes","tags":"x"}`, false, "done,name,score,tags"},
		{"out of range and enum", `{"score":5,"type":"green"}`, false, "score,type"},
		{"not a date", `{"due":"31/01/2027"}`, false, "due"},
		{"null for a required field", `{"name":null}`, true, "name"},
		{"null clears a nullable one", `{"owner_id":null,"score":null,"due":null}`, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := decode(t, tt.body, tt.create)
			var got []string
			for _, e := range errs {
				got = append(got, e.Field)
			}
			if strings.Join(got, ",") != tt.fields {
				t.Errorf("fields %v, want %s (%v)", got, tt.fields, errs)
			}
		})
	}
}

func TestValues(t *testing.T) {
	v, errs := decode(t, `{"name":"a","type":"Blue","owner_id":null,"score":3,"tags":null}`, true)
	if errs != nil {
		t.Fatal(errs)
	}
	if *v.Str("type") != "blue" {
		t.Errorf("enum values take their declared spelling: %q", *v.Str("type"))
	}
	if p := v.NullStr("owner_id"); p == nil || *p != nil {
		t.Errorf("null owner clears it: %v", p)
	}
	if v.NullStr("due") != nil || v.Bool("done") != nil {
		t.Error("fields not given stay nil")
	}
	if n := v.NullInt("score"); n == nil || **n != 3 {
		t.Errorf("score %v", n)
	}
	if l := v.List("tags"); l == nil || len(*l) != 0 {
		t.Errorf("null list is empty: %v", l)
	}
}

func TestDecodeForm(t *testing.T) {
	form := url.Values{"name": {"a"}, "owner_id": {""}, "score": {"9"}, "done": {"on"}, "tags": {"x | y", "z"}}
	v, err := thing.DecodeForm(form, "name", "owner_id", "score", "done", "tags", "type")
	if fs := bulwark.FieldErrors(err); len(fs) != 1 || fs[0].Field != "score" {
		t.Fatalf("errors %v", err)
	}
	if p := v.NullStr("owner_id"); p == nil || *p != nil {
		t.Error("an empty nullable input clears it")
	}
	if !*v.Bool("done") || strings.Join(*v.List("tags"), ",") != "x,y,z" {
		t.Errorf("done %v tags %v", *v.Bool("done"), *v.List("tags"))
	}
	if _, err := thing.DecodeForm(form, "id"); err == nil {
		t.Error("a read-only field is no form input")
	}
}

func TestSchemasAndSheet(t *testing.T) {
	resp := thing.Schema()
	props := resp["properties"].(map[string]any)
	if _, ok := props["reason"]; ok {
		t.Error("a request-only field is not in the response")
	}
	if resp["additionalProperties"] != false || len(resp["required"].([]string)) != 8 {
		t.Errorf("response schema %v", resp)
	}
	create := thing.RequestSchema(true)
	if _, ok := create["properties"].(map[string]any)["id"]; ok {
		t.Error("a read-only field is not in a request")
	}
	if strings.Join(create["required"].([]string), ",") != "name" {
		t.Errorf("required %v", create["required"])
	}
	if _, ok := thing.RequestSchema(false)["required"]; ok {
		t.Error("a change requires nothing")
	}
	score := props["score"].(map[string]any)
	if score["maximum"] != 4 || strings.Join(score["type"].([]string), ",") != "integer,null" {
		t.Errorf("score schema %v", score)
	}
	cols := thing.Sheet()
	if len(cols) != 2 || cols[0].Name != "name" || cols[0].Aliases[0] != "Thing" || cols[1].Name != "type" {
		t.Errorf("columns %+v", cols)
	}
}

type row struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Owner   *string  `json:"owner_id"`
	Due     *string  `json:"due_date"`
	Tags    []string `json:"tags"`
	Hidden  string   `json:"-"`
	Extra   []int    `json:"extra,omitempty"`
	Version int      `json:"version"`
}

func TestFromStruct(t *testing.T) {
	e := field.FromStruct("Row", row{}).Writable("title", "owner_id", "due_date", "version").Require("title")
	kinds := map[string]field.Kind{}
	for _, f := range e.Fields {
		kinds[f.Name] = f.Kind
	}
	if len(e.Fields) != 7 || kinds["due_date"] != field.Date || kinds["tags"] != field.Strings || !e.Field("owner_id").Nullable {
		t.Errorf("fields %+v", e.Fields)
	}
	if !e.Field("id").ReadOnly || e.Field("title").ReadOnly || !e.Field("extra").Optional {
		t.Error("read-only and optional flags")
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal([]byte(`{"tags":["x"]}`), &raw)
	if _, err := e.DecodeJSON(raw, true); len(bulwark.FieldErrors(err)) != 2 {
		t.Errorf("tags read-only and title required: %v", err)
	}
}
