package frameworks

import (
	"net/http"
	"strconv"

	"github.com/bulwark-isms/bulwark/catalog"
	"github.com/bulwark-isms/bulwark/web"
)

func (s *handlers) frameworksPage(w http.ResponseWriter, r *http.Request) {
	fs, err := s.svc.Frameworks(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "frameworks", &web.Page{Title: "Frameworks", Nav: "frameworks", Data: fs})
}

type facet struct {
	Name, Label string
	Values      []facetValue
}

// facetValue is one choice of a filter: the stored value and its words.
type facetValue struct{ Value, Label string }

// facetsOf lists the attribute filters that make sense for a framework.
var facetsOf = map[string][]string{
	catalog.ISO27001: {"theme", "control_type", "security_properties", "cybersecurity_concepts", "operational_capabilities", "security_domains"},
	catalog.SOC2:     {"category"},
	catalog.HIPAA:    {"section"},
}

func (s *handlers) requirementsPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	f, err := requirementFilter(r)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	fw, items, next, err := s.svc.Requirements(r.Context(), p, r.PathValue("key"), f)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	q := map[string]string{"q": r.URL.Query().Get("q")}
	var facets []facet
	for _, name := range facetsOf[fw.Slug] {
		vals, err := s.svc.AttributeValues(r.Context(), p, fw.ID, name)
		if err != nil {
			s.RenderError(w, r, err)
			return
		}
		fv := make([]facetValue, len(vals))
		for i, v := range vals {
			fv[i] = facetValue{Value: v, Label: AttributeValue(v)}
		}
		facets = append(facets, facet{Name: name, Label: AttributeLabel(name), Values: fv})
		q[name] = r.URL.Query().Get(name)
	}
	data := map[string]any{"Framework": fw, "Items": items, "Facets": facets, "Q": q}
	if next >= 0 {
		v := r.URL.Query()
		v.Set("cursor", strconv.Itoa(next))
		data["NextURL"] = "?" + v.Encode()
	}
	s.Render(w, r, http.StatusOK, "requirements", &web.Page{Title: fw.Name, Nav: "frameworks", Data: data})
}

func (s *handlers) requirementPage(w http.ResponseWriter, r *http.Request) {
	req, err := s.svc.Requirement(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	fws, err := s.svc.Frameworks(r.Context(), web.PrincipalFrom(r))
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "requirement", &web.Page{Title: req.Ref + " " + req.DisplayTitle, Nav: "frameworks",
		Data: requirementView{Requirement: req, Attributes: ReadableAttributes(req.Attributes), FrameworkName: frameworkName(fws, req.Framework), Mappings: GroupMappings(req.Links, fws)}})
}

// requirementView is a requirement with its mappings grouped for reading.
type requirementView struct {
	*Requirement
	Attributes    []Attribute // shadows the map: labels and values as words
	FrameworkName string
	Mappings      []MappingGroup
}

// frameworkName is the name of the framework with slug, or the slug when the catalog has none such.
func frameworkName(fws []*Framework, slug string) string {
	for _, f := range fws {
		if f.Slug == slug {
			return f.Name
		}
	}
	return slug
}
