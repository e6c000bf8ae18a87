package scope

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/web"
)

// notices are the messages a page shows after a form succeeded (?done=…).
var notices = map[string]string{
	"created":   "Saved. Link the risks it gives rise to, and set a review date.",
	"saved":     "Saved.",
	"archived":  "Archived: it no longer shows in the lists.",
	"submitted": "The scope is submitted: an owner or admin approves it next.",
	"draft":     "Saved as a draft. Submit it for approval when it is complete.",
}

// splitRefs reads references typed into a form: separated by commas, spaces or lines.
func splitRefs(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// refsText writes linked ids as their references, for a form.
func refsText(ids []string, refs map[string]string) string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if r, ok := refs[id]; ok {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// formRefs reads a form field of references as ids of register (nil: the form does not hold it).
func (h *handlers) formRefs(r *http.Request, register, name, fieldName string) (*[]string, error) {
	s := web.FormField(r, name)
	if s == nil {
		return nil, nil
	}
	ids, err := h.svc.IDsOf(r.Context(), web.PrincipalFrom(r), register, fieldName, splitRefs(*s))
	if err != nil {
		return nil, err
	}
	return &ids, nil
}

func (h *handlers) contextPage(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	issues, _, err := h.svc.Issues(r.Context(), p, IssueFilter{})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	parties, _, err := h.svc.Parties(r.Context(), p, PartyFilter{})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	sc, err := h.svc.Scope(r.Context(), p)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	boundaries := 0
	for _, l := range BoundaryLists {
		boundaries += len(*sc.Boundaries(l))
	}
	h.Render(w, r, http.StatusOK, "context", &web.Page{Title: "Context and scope", Nav: "context", Notice: notices[r.URL.Query().Get("done")],
		Data: map[string]any{"Issues": issues, "Parties": parties, "Scope": sc, "Names": names, "Boundaries": boundaries}})
}

// issueForm is what the issue page's form needs besides the issue.
func (h *handlers) issueData(r *http.Request, is *Issue) (map[string]any, error) {
	members, names, err := h.Directory(r)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"Members": members, "Names": names, "External": ExternalCategories, "Internal": InternalCategories, "Issue": is}
	if is != nil {
		refs, err := h.svc.Refs(r.Context(), web.PrincipalFrom(r), "risks", is.RiskIDs)
		if err != nil {
			return nil, err
		}
		p := web.PrincipalFrom(r)
		data["Risks"], data["RiskRefs"] = refsText(is.RiskIDs, refs), refs
		data["CanEdit"] = p.Can(bulwark.PermISMSEdit) || (p.Can(bulwark.PermISMSEditOwn) && is.OwnerID != nil && *is.OwnerID == p.MemberID)
	}
	return data, nil
}

var issueFormFields = []string{"title", "category", "description", "effect", "owner_id", "review_date", "risk_refs"}

func (h *handlers) newIssuePage(w http.ResponseWriter, r *http.Request) {
	data, err := h.issueData(r, nil)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "context-issue", &web.Page{Title: "Record a context issue", Nav: "context", Data: data})
}

// issueFormInput reads the issue form: only the fields it holds change.
func (h *handlers) issueFormInput(r *http.Request) (IssueInput, error) {
	in := IssueInput{Title: web.FormField(r, "title"), Category: web.FormField(r, "category"), Description: web.FormField(r, "description"),
		Effect: web.FormField(r, "effect"), OwnerID: web.FormOptional(r, "owner_id"), ReviewDate: web.FormOptional(r, "review_date")}
	if in.Category != nil {
		k := KindOf(*in.Category)
		in.Kind = &k
	}
	var err error
	in.RiskIDs, err = h.formRefs(r, "risks", "risk_refs", "risk_refs")
	return in, err
}

func (h *handlers) createIssueSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in, err := h.issueFormInput(r)
	var is *Issue
	if err == nil {
		is, err = h.svc.CreateIssue(r.Context(), p, in)
	}
	if err != nil {
		data, derr := h.issueData(r, nil)
		if derr != nil {
			h.RenderError(w, r, derr)
			return
		}
		pg := &web.Page{Title: "Record a context issue", Nav: "context", Data: data, Form: web.FormValues(r, issueFormFields...)}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.Render(w, r, status, "context-issue", pg)
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/context-issues/"+is.ID+"?done=created", http.StatusSeeOther)
}

func (h *handlers) renderIssue(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) {
	is, err := h.svc.Issue(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	data, err := h.issueData(r, is)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	if pg == nil {
		pg = &web.Page{Notice: notices[r.URL.Query().Get("done")]}
	}
	if pg.Form == nil || len(pg.Form) == 0 {
		pg.Form = map[string]string{"title": is.Title, "category": is.Category, "description": is.Description, "effect": is.Effect,
			"owner_id": bulwark.Value(is.OwnerID), "review_date": bulwark.Value(is.ReviewDate), "risk_refs": data["Risks"].(string)}
	}
	pg.Title, pg.Nav, pg.Data = is.Ref+" "+is.Title, "context", data
	h.Render(w, r, status, "context-issue", pg)
}

func (h *handlers) issuePage(w http.ResponseWriter, r *http.Request) {
	h.renderIssue(w, r, http.StatusOK, nil)
}

func (h *handlers) editIssueSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if _, err := h.svc.Issue(r.Context(), p, r.PathValue("id")); err != nil {
		h.RenderError(w, r, err)
		return
	}
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in, err := h.issueFormInput(r)
	if err == nil {
		_, err = h.svc.UpdateIssue(r.Context(), p, r.PathValue("id"), in, web.FormVersion(r), nil)
	}
	if err != nil {
		pg := &web.Page{Form: web.FormValues(r, issueFormFields...)}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.renderIssue(w, r, status, pg)
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/context-issues/"+r.PathValue("id")+"?done=saved", http.StatusSeeOther)
}

func (h *handlers) archiveIssueSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	yes := true
	if _, err := h.svc.UpdateIssue(r.Context(), p, r.PathValue("id"), IssueInput{}, web.FormVersion(r), &yes); err != nil {
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/context?done=archived", http.StatusSeeOther)
}

// reqRow is one requirement line of the party form.
type reqRow struct {
	N         int
	Text, How string
	Addressed bool
}

func (h *handlers) partyData(r *http.Request, pt *Party, rows []reqRow) (map[string]any, error) {
	members, names, err := h.Directory(r)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"Members": members, "Names": names, "Kinds": Kinds, "Party": pt}
	if pt != nil {
		p := web.PrincipalFrom(r)
		obl, err := h.svc.Refs(r.Context(), p, "obligations", pt.ObligationIDs)
		if err != nil {
			return nil, err
		}
		ctl, err := h.svc.Refs(r.Context(), p, "controls", pt.ControlIDs)
		if err != nil {
			return nil, err
		}
		data["Obligations"], data["Controls"], data["ObligationRefs"], data["ControlRefs"] = refsText(pt.ObligationIDs, obl), refsText(pt.ControlIDs, ctl), obl, ctl
		data["CanEdit"] = p.Can(bulwark.PermISMSEdit) || (p.Can(bulwark.PermISMSEditOwn) && pt.OwnerID != nil && *pt.OwnerID == p.MemberID)
		if rows == nil {
			for i, q := range pt.Requirements {
				rows = append(rows, reqRow{N: i, Text: q.Requirement, How: q.How, Addressed: q.Addressed})
			}
		}
	}
	for len(rows) < 3 || rows[len(rows)-1].Text != "" { // room for new requirements
		rows = append(rows, reqRow{N: len(rows)})
	}
	data["Rows"] = rows
	return data, nil
}

var partyFormFields = []string{"name", "kind", "description", "owner_id", "obligation_refs", "control_refs"}

// partyFormRows reads the requirement lines the form sent.
func partyFormRows(r *http.Request) []reqRow {
	n, _ := strconv.Atoi(r.PostFormValue("requirement_rows"))
	var rows []reqRow
	for i := 0; i < n && i < 200; i++ {
		k := strconv.Itoa(i)
		rows = append(rows, reqRow{N: i, Text: r.PostFormValue("requirement_" + k), How: r.PostFormValue("how_" + k), Addressed: r.PostFormValue("addressed_"+k) != ""})
	}
	return rows
}

func (h *handlers) partyFormInput(r *http.Request) (PartyInput, error) {
	in := PartyInput{Name: web.FormField(r, "name"), Kind: web.FormField(r, "kind"), Description: web.FormField(r, "description"), OwnerID: web.FormOptional(r, "owner_id")}
	if _, ok := r.PostForm["requirement_rows"]; ok {
		rs := []Requirement{}
		for _, row := range partyFormRows(r) {
			rs = append(rs, Requirement{Requirement: row.Text, Addressed: row.Addressed, How: row.How})
		}
		in.Requirements = &rs
	}
	var err error
	if in.ObligationIDs, err = h.formRefs(r, "obligations", "obligation_refs", "obligation_refs"); err != nil {
		return in, err
	}
	in.ControlIDs, err = h.formRefs(r, "controls", "control_refs", "control_refs")
	return in, err
}

func (h *handlers) newPartyPage(w http.ResponseWriter, r *http.Request) {
	data, err := h.partyData(r, nil, nil)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "interested-party", &web.Page{Title: "Record an interested party", Nav: "context", Data: data, Form: map[string]string{"kind": "external"}})
}

func (h *handlers) createPartySubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in, err := h.partyFormInput(r)
	var pt *Party
	if err == nil {
		pt, err = h.svc.CreateParty(r.Context(), p, in)
	}
	if err != nil {
		data, derr := h.partyData(r, nil, partyFormRows(r))
		if derr != nil {
			h.RenderError(w, r, derr)
			return
		}
		pg := &web.Page{Title: "Record an interested party", Nav: "context", Data: data, Form: web.FormValues(r, partyFormFields...)}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.Render(w, r, status, "interested-party", pg)
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/interested-parties/"+pt.ID+"?done=saved", http.StatusSeeOther)
}

func (h *handlers) renderParty(w http.ResponseWriter, r *http.Request, status int, pg *web.Page, rows []reqRow) {
	pt, err := h.svc.Party(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	data, err := h.partyData(r, pt, rows)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	if pg == nil {
		pg = &web.Page{Notice: notices[r.URL.Query().Get("done")]}
	}
	if len(pg.Form) == 0 {
		pg.Form = map[string]string{"name": pt.Name, "kind": pt.Kind, "description": pt.Description, "owner_id": bulwark.Value(pt.OwnerID),
			"obligation_refs": data["Obligations"].(string), "control_refs": data["Controls"].(string)}
	}
	pg.Title, pg.Nav, pg.Data = pt.Ref+" "+pt.Name, "context", data
	h.Render(w, r, status, "interested-party", pg)
}

func (h *handlers) partyPage(w http.ResponseWriter, r *http.Request) {
	h.renderParty(w, r, http.StatusOK, nil, nil)
}

func (h *handlers) editPartySubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if _, err := h.svc.Party(r.Context(), p, r.PathValue("id")); err != nil {
		h.RenderError(w, r, err)
		return
	}
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in, err := h.partyFormInput(r)
	if err == nil {
		_, err = h.svc.UpdateParty(r.Context(), p, r.PathValue("id"), in, web.FormVersion(r), nil)
	}
	if err != nil {
		pg := &web.Page{Form: web.FormValues(r, partyFormFields...)}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.renderParty(w, r, status, pg, partyFormRows(r))
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/interested-parties/"+r.PathValue("id")+"?done=saved", http.StatusSeeOther)
}

func (h *handlers) archivePartySubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	yes := true
	if _, err := h.svc.UpdateParty(r.Context(), p, r.PathValue("id"), PartyInput{}, web.FormVersion(r), &yes); err != nil {
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/context?done=archived", http.StatusSeeOther)
}

// boundaryLine writes a boundary as a line of the scope form: the asset's reference first when it links one.
func boundaryLine(b Boundary) string {
	if b.AssetRef != "" {
		return b.AssetRef + " " + b.Name
	}
	return b.Name
}

var leadingRef = regexp.MustCompile(`^([A-Za-z]+-[0-9]+)(\s+|$)`)

// scopeFormInput reads the scope form: one boundary a line (a line starting with an asset's reference links
// that asset), one interface or dependency a line, and the rows of exclusions. Lists the form does not hold
// stay as they are.
func (h *handlers) scopeFormInput(r *http.Request) (ScopeInput, error) {
	in := ScopeInput{Summary: web.FormField(r, "summary")}
	p := web.PrincipalFrom(r)
	for _, l := range BoundaryLists {
		s := web.FormField(r, l)
		if s == nil {
			continue
		}
		bs := []Boundary{}
		var refs []string
		for _, line := range strings.Split(*s, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			b := Boundary{Name: line}
			if m := leadingRef.FindStringSubmatch(line); m != nil {
				ref := strings.ToUpper(m[1])
				b.Name, b.AssetRef = strings.TrimSpace(line[len(m[0]):]), ref
				refs = append(refs, ref)
			}
			bs = append(bs, b)
		}
		if len(refs) > 0 {
			ids, err := h.svc.IDsOf(r.Context(), p, "assets", l, refs)
			if err != nil {
				return in, err
			}
			k := 0
			for i := range bs {
				if bs[i].AssetRef != "" {
					id := ids[k]
					bs[i].AssetID, bs[i].AssetRef = &id, ""
					k++
				}
			}
		}
		switch l {
		case "org_units":
			in.OrgUnits = &bs
		case "locations":
			in.Locations = &bs
		case "processes":
			in.Processes = &bs
		case "systems":
			in.Systems = &bs
		}
	}
	if s := web.FormField(r, "interfaces"); s != nil {
		l := strings.Split(*s, "\n")
		in.Interfaces = &l
	}
	if s := web.FormField(r, "dependencies"); s != nil {
		l := strings.Split(*s, "\n")
		in.Dependencies = &l
	}
	if _, ok := r.PostForm["exclusion_rows"]; ok {
		n, _ := strconv.Atoi(r.PostFormValue("exclusion_rows"))
		ex := []Exclusion{}
		for i := 0; i < n && i < 100; i++ {
			k := strconv.Itoa(i)
			ex = append(ex, Exclusion{What: r.PostFormValue("exclusion_what_" + k), Justification: r.PostFormValue("exclusion_justification_" + k)})
		}
		in.Exclusions = &ex
	}
	return in, nil
}

func (h *handlers) scopePage(w http.ResponseWriter, r *http.Request) {
	h.renderScope(w, r, http.StatusOK, &web.Page{Notice: notices[r.URL.Query().Get("done")]}, nil)
}

// renderScope shows the live statement (with its form and approval steps) or, at /scope/revisions/{n}, an
// approved revision; edited, when set, is a refused form's statement to show again.
func (h *handlers) renderScope(w http.ResponseWriter, r *http.Request, status int, pg *web.Page, edited *Scope) {
	p := web.PrincipalFrom(r)
	live := r.PathValue("n") == ""
	var sc *Scope
	var err error
	if live {
		sc, err = h.svc.Scope(r.Context(), p)
	} else {
		var n int
		if n, err = revisionParam(r); err == nil {
			sc, err = h.svc.Revision(r.Context(), p, n)
		}
	}
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	revs, err := h.svc.Revisions(r.Context(), p)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	_, names, err := h.Directory(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	if r.URL.Query().Get("done") == "approved" {
		pg.Notice = fmt.Sprintf("The scope is approved as revision %d.", bulwark.Value(sc.Revision))
	}
	form := sc
	if edited != nil {
		form = edited
	}
	lines, items := map[string]string{}, map[string][]Boundary{}
	for _, l := range BoundaryLists {
		items[l] = *sc.Boundaries(l)
		var out []string
		for _, b := range *form.Boundaries(l) {
			out = append(out, boundaryLine(b))
		}
		lines[l] = strings.Join(out, "\n")
	}
	lines["interfaces"], lines["dependencies"] = strings.Join(form.Interfaces, "\n"), strings.Join(form.Dependencies, "\n")
	exclusions := append(slices.Clone(form.Exclusions), Exclusion{}, Exclusion{})
	blocked := SoDBlocked(p, sc)
	pg.Title, pg.Nav = "ISMS scope", "context"
	if !live {
		pg.Title = fmt.Sprintf("ISMS scope, revision %d", bulwark.Value(sc.Revision))
	}
	pg.Data = map[string]any{"Scope": sc, "Form": form, "Live": live, "Revisions": revs, "Names": names, "Lines": lines, "Items": items, "Exclusions": exclusions,
		"Titles": map[string]string{"org_units": "Organisational units", "locations": "Locations", "processes": "Processes", "systems": "Systems"},
		"Lists":  BoundaryLists, "Blocked": blocked,
		"CanEdit":    live && p.Can(bulwark.PermISMSEdit),
		"CanSubmit":  live && sc.Status == StatusDraft && sc.Version > 0 && !sc.Empty() && p.Can(bulwark.PermISMSEdit),
		"CanApprove": live && sc.Status == StatusSubmitted && p.Can(bulwark.PermApprove) && blocked == ""}
	h.Render(w, r, status, "scope", pg)
}

func (h *handlers) scopeSubmit(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if err := web.ParseForm(w, r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in, err := h.scopeFormInput(r)
	if err == nil {
		_, err = h.svc.SaveScope(r.Context(), p, in, web.FormVersion(r))
	}
	if err != nil {
		edited, serr := h.svc.Scope(r.Context(), p)
		if serr != nil {
			h.RenderError(w, r, serr)
			return
		}
		if in.Summary != nil {
			edited.Summary = *in.Summary
		}
		for _, l := range []struct {
			name string
			v    *[]Boundary
		}{{"org_units", in.OrgUnits}, {"locations", in.Locations}, {"processes", in.Processes}, {"systems", in.Systems}} {
			if l.v != nil {
				*edited.Boundaries(l.name) = *l.v
			}
		}
		if in.Interfaces != nil {
			edited.Interfaces = *in.Interfaces
		}
		if in.Dependencies != nil {
			edited.Dependencies = *in.Dependencies
		}
		if in.Exclusions != nil {
			edited.Exclusions = *in.Exclusions
		}
		pg := &web.Page{Form: map[string]string{"open": "edit"}}
		if status, ok := h.FormFailure(w, r, pg, err); ok {
			h.renderScope(w, r, status, pg, edited)
		}
		return
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/scope?done=draft", http.StatusSeeOther)
}

// stepSubmit runs submit or approve from the page: back to the page with a notice, or the page with the
// reason it was refused.
func (h *handlers) stepSubmit(done string, step stepFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := web.ParseForm(w, r); err != nil {
			h.RenderError(w, r, err)
			return
		}
		p := web.PrincipalFrom(r)
		if _, err := step(r.Context(), p); err != nil {
			if c := bulwark.ErrorCode(err); c == bulwark.ECONFLICT || c == bulwark.EINVALID {
				h.renderScope(w, r, h.ErrorStatus(r, err), &web.Page{Error: bulwark.ErrorMessage(err)}, nil)
				return
			}
			h.RenderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/o/"+p.Org.Slug+"/scope?done="+done, http.StatusSeeOther)
	}
}

// ScopeTasks is what waits for a member here: the submitted scope when they may approve it, and the context
// issues they own whose review date has come.
type ScopeTasks struct {
	Approval []*Scope `json:"scope_approvals"`
	Reviews  []*Issue `json:"context_issue_reviews_due"`
}

// tasks says what waits for the principal in context and scope.
func (h *handlers) tasks(r *http.Request) (web.Tasks, error) {
	p := web.PrincipalFrom(r)
	if p.MemberID == "" || !p.Can(bulwark.PermISMSRead) {
		return web.Tasks{}, nil
	}
	t := ScopeTasks{Approval: []*Scope{}, Reviews: []*Issue{}}
	if p.Can(bulwark.PermApprove) {
		sc, err := h.svc.Scope(r.Context(), p)
		if err != nil {
			return web.Tasks{}, err
		}
		if sc.Status == StatusSubmitted && SoDBlocked(p, sc) == "" {
			t.Approval = append(t.Approval, sc)
		}
	}
	mine, _, err := h.svc.Issues(r.Context(), p, IssueFilter{OwnerID: p.MemberID})
	if err != nil {
		return web.Tasks{}, err
	}
	for _, is := range mine {
		if is.ReviewDue {
			t.Reviews = append(t.Reviews, is)
		}
	}
	n := len(t.Approval) + len(t.Reviews)
	if n == 0 {
		return web.Tasks{JSON: map[string]any{"scope_approvals": t.Approval, "context_issue_reviews_due": t.Reviews}}, nil
	}
	html, err := h.Partial("scope-tasks", &web.Page{P: p, Data: t})
	if err != nil {
		return web.Tasks{}, err
	}
	return web.Tasks{Count: n, HTML: html, JSON: map[string]any{"scope_approvals": t.Approval, "context_issue_reviews_due": t.Reviews}}, nil
}
