package documents

import (
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

//go:embed library/*.md
var libraryFS embed.FS

// Template is one of the documents Bulwark ships for an organisation to start
// from: text written for Bulwark, in fixed sections, with placeholders that are
// filled when a document is created from it.
type Template struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	Type         string   `json:"type"`
	Summary      string   `json:"summary"`
	ControlRefs  []string `json:"control_refs"`
	ClauseRefs   []string `json:"clause_refs"`
	ReviewMonths int      `json:"review_months"`
	Words        int      `json:"words"`
	Sections     []string `json:"sections"`
	Body         string   `json:"-"`
}

// placeholder matches {{name}} and {{link:name}} in a template's text.
var placeholder = regexp.MustCompile(`\{\{([a-z_]+(?::[a-z_]+)?)\}\}`)

// Library holds the templates by id, loaded once from the embedded files.
type Library struct {
	byID  map[string]*Template
	order []*Template
}

// LoadLibrary reads the embedded templates; an unreadable one is a build defect,
// which the tests catch.
func LoadLibrary() (*Library, error) {
	files, err := fs.Glob(libraryFS, "library/*.md")
	if err != nil {
		return nil, err
	}
	lib := &Library{byID: map[string]*Template{}}
	for _, f := range files {
		raw, err := libraryFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		t, err := parseTemplate(string(raw))
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", f, err)
		}
		lib.byID[t.ID] = t
		lib.order = append(lib.order, t)
	}
	sort.Slice(lib.order, func(i, j int) bool { return lib.order[i].Title < lib.order[j].Title })
	return lib, nil
}

func parseTemplate(raw string) (*Template, error) {
	raw = strings.ReplaceAll(raw, "\r\n", "\n")
	rest, ok := strings.CutPrefix(raw, "---\n")
	if !ok {
		return nil, fmt.Errorf("no front matter")
	}
	head, body, ok := strings.Cut(rest, "\n---\n")
	if !ok {
		return nil, fmt.Errorf("front matter not closed")
	}
	t := &Template{Body: strings.TrimSpace(body) + "\n", ReviewMonths: 12}
	for _, line := range strings.Split(head, "\n") {
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "id":
			t.ID = v
		case "title":
			t.Title = v
		case "type":
			t.Type = v
		case "summary":
			t.Summary = v
		case "controls":
			t.ControlRefs = splitList(v)
		case "clauses":
			t.ClauseRefs = splitList(v)
		case "review_months":
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("review_months: %w", err)
			}
			t.ReviewMonths = n
		}
	}
	if t.ID == "" || t.Title == "" || Prefixes[t.Type] == "" {
		return nil, fmt.Errorf("id, title and a known type are required")
	}
	t.Words = len(strings.Fields(placeholder.ReplaceAllString(t.Body, "x")))
	t.Sections = []string{}
	for _, line := range strings.Split(t.Body, "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			t.Sections = append(t.Sections, strings.TrimSpace(h))
		}
	}
	return t, nil
}

func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// All lists the templates by title.
func (l *Library) All() []*Template { return l.order }

// Get returns template id, or nil.
func (l *Library) Get(id string) *Template { return l.byID[id] }

// Fill writes text with its placeholders replaced by values ({{organisation}} →
// values["organisation"]; {{link:risks}} → values["link:risks"]). A placeholder
// without a value is left as written, which the tests forbid.
func Fill(text string, values map[string]string) string {
	return placeholder.ReplaceAllStringFunc(text, func(m string) string {
		if v, ok := values[m[2:len(m)-2]]; ok {
			return v
		}
		return m
	})
}

// linkPaths are the pages a template may link to, under /o/{slug}/.
var linkPaths = map[string]string{
	"risk_methodology": "risk-methodology", "risks": "risks", "soa": "soa", "controls": "controls", "assets": "assets",
	"people": "people", "training": "trainings", "documents": "policies", "readiness": "readiness", "gap_assessments": "gap-assessments",
}
