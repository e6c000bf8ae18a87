// Package catalog holds the frameworks Bulwark knows — ISO/IEC 27001:2022 (clauses
// and Annex A), NIST CSF 2.0, SOC 2 (2017 TSC), GDPR and the HIPAA Security Rule —
// with their cross-framework mappings and Bulwark's own guidance for each Annex A
// control. The data is embedded; Load parses it.
package catalog

import (
	"bytes"
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

//go:embed data/*.csv data/*.json
var files embed.FS

// Framework slugs (CONTRACT.md, "Frameworks").
const (
	ISO27001 = "iso27001-2022"
	NISTCSF  = "nist-csf-2.0"
	SOC2     = "soc2-2017"
	GDPR     = "gdpr"
	HIPAA    = "hipaa-security"
)

// Framework is one standard, regulation or criteria set.
type Framework struct {
	Slug         string
	Name         string
	Version      string
	Publisher    string
	Description  string
	Requirements []*Requirement
}

// Requirement is one clause, control, function, category, subcategory, criterion,
// article, standard or implementation specification.
type Requirement struct {
	Ref          string              // exactly as the catalog writes it: "A.5.1", "5.1", "GV.OC-01", "CC1.1", "Art. 32"
	Title        string              // the official short title; may be empty (SOC 2 criteria, CSF subcategories)
	DisplayTitle string              // Title, or the series title / the start of the official text when there is none
	Kind         string              // clause, control, function, category, subcategory, criterion, article, standard, implementation_specification
	ParentRef    string              // ref of the parent requirement in the same framework, or ""
	OfficialText string              // public-domain text where the catalog quotes it
	Attributes   map[string][]string // e.g. theme, control_type, security_properties …
	Guidance     string              // Bulwark's own words (Annex A controls)
	Evidence     []string            // evidence an auditor usually expects (Annex A controls)
	Order        int                 // position in the framework's own order
}

// ID is the requirement's stable id: framework slug and ref.
func (r *Requirement) ID(framework string) string { return RequirementID(framework, r.Ref) }

// RequirementID builds the stable id of a requirement.
func RequirementID(framework, ref string) string { return framework + ":" + ref }

// Mapping links a requirement of one framework to one of another.
type Mapping struct {
	FromFramework, FromRef string
	ToFramework, ToRef     string
	DetailRef, DetailTitle string // finer target the source names (a SOC 2 point of focus)
	Relationship           string // related, intersect …
	Source                 string
}

// Catalog is every framework and mapping.
type Catalog struct {
	Frameworks []*Framework
	Mappings   []Mapping
}

// Framework returns the framework with slug, or nil.
func (c *Catalog) Framework(slug string) *Framework {
	for _, f := range c.Frameworks {
		if f.Slug == slug {
			return f
		}
	}
	return nil
}

// Requirement returns the requirement ref of framework slug, or nil.
func (c *Catalog) Requirement(slug, ref string) *Requirement {
	if f := c.Framework(slug); f != nil {
		for _, r := range f.Requirements {
			if r.Ref == ref {
				return r
			}
		}
	}
	return nil
}

// readCSV reads a catalog file as records keyed by header.
func readCSV(name string) ([]map[string]string, error) {
	b, err := files.ReadFile("data/" + name)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(b))
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", name, err)
	}
	var out []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		m := make(map[string]string, len(header))
		for i, h := range header {
			if i < len(rec) {
				m[h] = strings.TrimSpace(rec[i])
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// firstWords returns the start of text, cut at a word boundary, for a requirement without a title.
func firstWords(text string, n int) string {
	if len(text) <= n {
		return text
	}
	cut := strings.LastIndex(text[:n], " ")
	if cut < n/2 {
		cut = n
	}
	return strings.TrimRight(text[:cut], " ,;:") + "…"
}

// Load parses the embedded catalog.
func Load() (*Catalog, error) {
	c := &Catalog{}
	loaders := []func(*Catalog) error{loadISO, loadCSF, loadSOC2, loadGDPR, loadHIPAA, loadMappings}
	for _, l := range loaders {
		if err := l(c); err != nil {
			return nil, fmt.Errorf("load catalog: %w", err)
		}
	}
	return c, nil
}

type guidance struct {
	Ref      string   `json:"ref"`
	Guidance string   `json:"guidance"`
	Evidence []string `json:"evidence"`
}

func loadISO(c *Catalog) error {
	f := &Framework{Slug: ISO27001, Name: "ISO/IEC 27001:2022", Version: "2022", Publisher: "ISO/IEC",
		Description: "Information security management systems — requirements. Clauses 4 to 10 are the management system; Annex A lists 93 reference controls in four themes."}
	clauses, err := readCSV("iso27001-2022-clauses.csv")
	if err != nil {
		return err
	}
	for i, row := range clauses {
		ref := row["id"]
		parent := ""
		if j := strings.LastIndex(ref, "."); j > 0 {
			parent = ref[:j]
		}
		f.Requirements = append(f.Requirements, &Requirement{Ref: ref, Title: row["title"], DisplayTitle: row["title"], Kind: "clause", ParentRef: parent,
			Attributes: map[string][]string{"mandatory_documented_information": {row["mandatory_documented_information"]}}, Order: i})
	}
	b, err := files.ReadFile("data/guidance.json")
	if err != nil {
		return err
	}
	var gs []guidance
	if err := json.Unmarshal(b, &gs); err != nil {
		return fmt.Errorf("guidance.json: %w", err)
	}
	byRef := map[string]guidance{}
	for _, g := range gs {
		byRef[g.Ref] = g
	}
	controls, err := readCSV("iso27001-2022-annexa.csv")
	if err != nil {
		return err
	}
	for i, row := range controls {
		ref := "A." + row["id"]
		g := byRef[ref]
		f.Requirements = append(f.Requirements, &Requirement{Ref: ref, Title: row["title"], DisplayTitle: row["title"], Kind: "control",
			Attributes: map[string][]string{
				"theme": {row["theme"]}, "control_type": split(row["control_type"]), "security_properties": split(row["security_properties"]),
				"cybersecurity_concepts": split(row["cybersecurity_concepts"]), "operational_capabilities": split(row["operational_capabilities"]),
				"security_domains": split(row["security_domains"]), "new_in_2022": {row["new_in_2022"]}, "iso27001_2013_ids": split(row["iso27001_2013_ids"]),
			},
			Guidance: g.Guidance, Evidence: g.Evidence, Order: len(clauses) + i})
	}
	c.Frameworks = append(c.Frameworks, f)
	return nil
}

func loadCSF(c *Catalog) error {
	f := &Framework{Slug: NISTCSF, Name: "NIST Cybersecurity Framework 2.0", Version: "2.0", Publisher: "NIST",
		Description: "Outcomes for managing cybersecurity risk, in six functions: Govern, Identify, Protect, Detect, Respond, Recover."}
	rows, err := readCSV("nist-csf-2.0.csv")
	if err != nil {
		return err
	}
	for i, row := range rows {
		title := row["title"]
		display := title
		if display == "" || row["level"] == "subcategory" {
			display = firstWords(row["official_text"], 90)
		}
		f.Requirements = append(f.Requirements, &Requirement{Ref: row["id"], Title: title, DisplayTitle: display, Kind: row["level"], ParentRef: row["parent_id"],
			OfficialText: row["official_text"], Order: i})
	}
	c.Frameworks = append(c.Frameworks, f)
	return nil
}

func loadSOC2(c *Catalog) error {
	f := &Framework{Slug: SOC2, Name: "SOC 2 — Trust Services Criteria (2017, points of focus 2022)", Version: "2017", Publisher: "AICPA",
		Description: "Criteria for security, availability, processing integrity, confidentiality and privacy used in SOC 2 reports."}
	rows, err := readCSV("soc2-tsc-2017.csv")
	if err != nil {
		return err
	}
	for i, row := range rows {
		attrs := map[string][]string{"category": {row["category"]}, "series": {row["series"]}, "series_title": {row["series_title"]}}
		if row["coso_principle"] != "" {
			attrs["coso_principle"] = []string{row["coso_principle"]}
		}
		display := row["title"]
		if display == "" {
			display = row["series_title"]
		}
		f.Requirements = append(f.Requirements, &Requirement{Ref: row["id"], Title: row["title"], DisplayTitle: display, Kind: "criterion", Attributes: attrs, Order: i})
	}
	c.Frameworks = append(c.Frameworks, f)
	return nil
}

func loadGDPR(c *Catalog) error {
	f := &Framework{Slug: GDPR, Name: "General Data Protection Regulation (EU) 2016/679", Version: "2016/679", Publisher: "European Union",
		Description: "The EU regulation on the protection of personal data; Article 32 asks for security appropriate to the risk."}
	rows, err := readCSV("gdpr.csv")
	if err != nil {
		return err
	}
	for i, row := range rows {
		attrs := map[string][]string{"chapter": {row["chapter"] + " " + row["chapter_title"]}}
		if row["section"] != "" {
			attrs["section"] = []string{row["section"] + " " + row["section_title"]}
		}
		f.Requirements = append(f.Requirements, &Requirement{Ref: row["id"], Title: row["title"], DisplayTitle: row["title"], Kind: "article", Attributes: attrs, Order: i})
	}
	c.Frameworks = append(c.Frameworks, f)
	return nil
}

func loadHIPAA(c *Catalog) error {
	f := &Framework{Slug: HIPAA, Name: "HIPAA Security Rule (45 CFR 164.308–164.316)", Version: "2013", Publisher: "U.S. HHS",
		Description: "Administrative, physical and technical safeguards for electronic protected health information."}
	rows, err := readCSV("hipaa-security-rule.csv")
	if err != nil {
		return err
	}
	for i, row := range rows {
		parent := ""
		if row["kind"] == "implementation_specification" {
			parent = row["standard_id"]
		}
		attrs := map[string][]string{"section": {row["section"]}, "standard": {row["standard"]}}
		if row["required_or_addressable"] != "" {
			attrs["required_or_addressable"] = []string{row["required_or_addressable"]}
		}
		display := row["title"]
		if display == "" {
			display = firstWords(row["official_text"], 90)
		}
		f.Requirements = append(f.Requirements, &Requirement{Ref: row["id"], Title: row["title"], DisplayTitle: display, Kind: row["kind"], ParentRef: parent,
			OfficialText: row["official_text"], Attributes: attrs, Order: i})
	}
	c.Frameworks = append(c.Frameworks, f)
	return nil
}

func loadMappings(c *Catalog) error {
	for _, m := range []struct{ file, to string }{
		{"mapping-iso27001-2022-to-nist-csf-2.0.csv", NISTCSF},
		{"mapping-iso27001-2022-to-soc2-2017.csv", SOC2},
		{"mapping-iso27001-2022-to-gdpr.csv", GDPR},
	} {
		rows, err := readCSV(m.file)
		if err != nil {
			return err
		}
		for _, row := range rows {
			mp := Mapping{FromFramework: ISO27001, FromRef: row["iso_id"], ToFramework: m.to, ToRef: row["target_id"],
				Relationship: row["relationship"], Source: row["source"]}
			if m.to == SOC2 { // a point of focus CC3.2.1 belongs to criterion CC3.2
				if j := strings.LastIndex(mp.ToRef, "."); j > 0 && c.Requirement(SOC2, mp.ToRef) == nil {
					mp.DetailRef, mp.DetailTitle, mp.ToRef = mp.ToRef, row["target_title"], mp.ToRef[:j]
				}
			}
			if err := c.check(mp); err != nil {
				return fmt.Errorf("%s: %w", m.file, err)
			}
			c.Mappings = append(c.Mappings, mp)
		}
	}
	rows, err := readCSV("mapping-hipaa-security-to-nist-csf.csv")
	if err != nil {
		return err
	}
	for _, row := range rows {
		if row["csf_version"] != "2.0" { // CSF 1.1 rows have no target in the catalog
			continue
		}
		mp := Mapping{FromFramework: HIPAA, FromRef: row["hipaa_id"], ToFramework: NISTCSF, ToRef: row["csf_id"], Relationship: row["relationship"], Source: row["source"]}
		if err := c.check(mp); err != nil {
			return fmt.Errorf("HIPAA mapping: %w", err)
		}
		c.Mappings = append(c.Mappings, mp)
	}
	return nil
}

func (c *Catalog) check(m Mapping) error {
	if c.Requirement(m.FromFramework, m.FromRef) == nil {
		return fmt.Errorf("unknown requirement %s %s", m.FromFramework, m.FromRef)
	}
	if c.Requirement(m.ToFramework, m.ToRef) == nil {
		return fmt.Errorf("unknown requirement %s %s", m.ToFramework, m.ToRef)
	}
	return nil
}

// DerivedNote labels links derived through another framework rather than published.
const DerivedNote = "derived, not published"

// DerivedHIPAA returns, for each ISO requirement ref, the HIPAA refs reached through
// a shared CSF 2.0 requirement (ISO→CSF←HIPAA): derived, not published.
func (c *Catalog) DerivedHIPAA() map[string][]string {
	hipaaByCSF := map[string][]string{}
	for _, m := range c.Mappings {
		if m.FromFramework == HIPAA {
			hipaaByCSF[m.ToRef] = append(hipaaByCSF[m.ToRef], m.FromRef)
		}
	}
	out := map[string][]string{}
	seen := map[[2]string]bool{}
	for _, m := range c.Mappings {
		if m.FromFramework != ISO27001 || m.ToFramework != NISTCSF {
			continue
		}
		for _, h := range hipaaByCSF[m.ToRef] {
			k := [2]string{m.FromRef, h}
			if !seen[k] {
				seen[k] = true
				out[m.FromRef] = append(out[m.FromRef], h)
			}
		}
	}
	return out
}

// LibraryEntry is a threat or vulnerability of Bulwark's library.
type LibraryEntry struct {
	Ref         string   `json:"ref"`
	Name        string   `json:"name"`
	Category    string   `json:"category"`
	Description string   `json:"description"`
	Controls    []string `json:"controls"`
	Affects     []string `json:"affects"`
}

// Library returns Bulwark's threat and vulnerability library.
func Library() (threats, vulnerabilities []LibraryEntry, err error) {
	b, err := files.ReadFile("data/threats.json")
	if err != nil {
		return nil, nil, err
	}
	var doc struct {
		Threats         []LibraryEntry `json:"threats"`
		Vulnerabilities []LibraryEntry `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, nil, fmt.Errorf("threats.json: %w", err)
	}
	return doc.Threats, doc.Vulnerabilities, nil
}
