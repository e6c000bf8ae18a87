package areas_test

import (
	"encoding/json"
	"errors"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/bulwark-isms/bulwark"

// areaOrder is the order of the ISMS areas, lowest first, as the README draws it:
// an area may import the kernel and the areas before it, never one after it or
// beside it.
var areaOrder = []string{"organisation", "frameworks", "controls", "assets", "risks", "obligations", "scope", "people", "documents", "training", "evidence", "incidents", "monitoring", "suppliers", "nonconformities", "audits", "objectives", "reviews", "coverage", "gaps", "search"}

// kernel lists the packages every area shares. None of them may import an area,
// directly or through another package.
var kernel = []string{"", "app", "web", "sqlstore", "sqlstore/sqltest", "tabular", "report", "password", "catalog", "markdown", "blobstore", "collect", "checkrule", "schedule"}

// domainRules names, per area, the files that hold its domain rules: they import
// neither HTTP nor SQL.
var domainRules = map[string][]string{
	"frameworks":      {"framework.go"},
	"controls":        {"control.go", "soa.go"},
	"coverage":        {"coverage.go", "readiness.go"},
	"gaps":            {"gap.go"},
	"assets":          {"asset.go"},
	"risks":           {"risk.go", "methodology.go"},
	"people":          {"person.go"},
	"documents":       {"document.go", "diff.go", "library.go"},
	"training":        {"training.go"},
	"incidents":       {"incident.go", "clock.go"},
	"evidence":        {"evidence.go"},
	"monitoring":      {"check.go"},
	"nonconformities": {"nonconformity.go"},
	"suppliers":       {"supplier.go", "tier.go", "certificate.go", "questionnaire.go"},
	"reviews":         {"review.go"},
	"audits":          {"audit.go", "questions.go"},
	"objectives":      {"objective.go"},
	"obligations":     {"obligation.go"},
	"scope":           {"scope.go"},
	"search":          {"rank.go"},
}

// rulesInKernel are areas whose domain rules are the kernel's: the organisation
// area manages roles, members, tokens and the audit trail, whose rules sign-in and
// every area share (package bulwark).
var rulesInKernel = map[string]bool{"organisation": true}

// aboveStorage are kernel packages that reach the database only through the
// service (app), never the storage package itself.
var aboveStorage = []string{"web", "field"}

// drivers may be imported by the kernel's storage alone.
var drivers = []string{"github.com/jackc/pgx", "github.com/ncruces/go-sqlite3", "github.com/lib/pq", "modernc.org/sqlite"}

type listedPackage struct {
	ImportPath string
	Dir        string
	Imports    []string
	Deps       []string
	GoFiles    []string
}

// packages reads the import graph of the module with go list -deps -json.
func packages(t *testing.T) map[string]listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json", module+"/...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]listedPackage{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(p.ImportPath, module) {
			pkgs[p.ImportPath] = p
		}
	}
	return pkgs
}

// areaOf returns the area a package belongs to ("risks" for …/areas/risks and its
// sub-packages), or "".
func areaOf(path string) string {
	rest, ok := strings.CutPrefix(path, module+"/areas/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	if name == "areastest" {
		return ""
	}
	return name
}

func TestLayout(t *testing.T) {
	pkgs := packages(t)
	rank := map[string]int{}
	for i, a := range areaOrder {
		rank[a] = i
	}
	for path, p := range pkgs {
		// Every folder under areas/ is in the written order.
		if a := areaOf(path); a != "" {
			if _, ok := rank[a]; !ok {
				t.Errorf("%s: area %q is not in areaOrder (and the README's architecture section)", path, a)
			}
		}
		// The kernel imports no area, not even through another package.
		if slices.Contains(kernel, strings.TrimPrefix(strings.TrimPrefix(path, module), "/")) {
			for _, d := range p.Deps {
				if areaOf(d) != "" || d == module+"/areas" || strings.HasPrefix(d, module+"/areas/") {
					t.Errorf("kernel package %s imports %s: the kernel imports no area; register a provider instead", path, d)
				}
			}
		}
		if slices.Contains(aboveStorage, strings.TrimPrefix(path, module+"/")) && slices.Contains(p.Imports, module+"/sqlstore") {
			t.Errorf("%s imports the storage package: it goes through the service", path)
		}
		a := areaOf(path)
		if a == "" {
			continue
		}
		for _, imp := range p.Imports {
			if b := areaOf(imp); b != "" && b != a && rank[b] >= rank[a] {
				t.Errorf("area %s (%s) imports %s: areas import only the kernel and the areas below them (%s)", a, path, imp, strings.Join(areaOrder, " → "))
			}
			if imp == module+"/areas" {
				t.Errorf("area %s imports the wiring package %s", path, imp)
			}
			for _, d := range drivers {
				if strings.HasPrefix(imp, d) {
					t.Errorf("area %s imports the database driver %s: only the kernel's storage does", path, imp)
				}
			}
		}
		// Domain rule files import neither HTTP nor SQL.
		if strings.Count(strings.TrimPrefix(path, module+"/areas/"), "/") == 0 {
			for _, f := range domainRules[a] {
				file, err := parser.ParseFile(token.NewFileSet(), filepath.Join(p.Dir, f), nil, parser.ImportsOnly)
				if err != nil {
					t.Errorf("area %s: domain rules file %s: %v", a, f, err)
					continue
				}
				for _, is := range file.Imports {
					imp, _ := strconv.Unquote(is.Path.Value)
					if imp == "net/http" || imp == "database/sql" || strings.HasPrefix(imp, "net/http/") || imp == module+"/sqlstore" || imp == module+"/web" {
						t.Errorf("area %s: domain rules file %s imports %s", a, f, imp)
					}
				}
			}
		}
	}
	for _, a := range areaOrder {
		if _, ok := pkgs[module+"/areas/"+a]; !ok {
			t.Errorf("area %s is in areaOrder but has no package", a)
		}
		if len(domainRules[a]) == 0 && !rulesInKernel[a] {
			t.Errorf("area %s names no domain rules file", a)
		}
	}
}
