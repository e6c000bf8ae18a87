package monitoring

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/evidence"
	"github.com/bulwark-isms/bulwark/collect"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/web"
)

//go:embed templates
var templates embed.FS

// handlers serve the area's pages and API over the kernel's server.
type handlers struct {
	*web.Server
	svc *Service
	ev  *evidence.Service
}

// Area mounts continuous monitoring on the server.
func Area(svc *Service, ev *evidence.Service) web.Area {
	return web.Area{Name: "monitoring", Mount: func(s *web.Server) web.Mounted {
		h := &handlers{Server: s, svc: svc, ev: ev}
		return web.Mounted{Templates: templates, Routes: h.routes(), Dashboard: h.dashboardPart}
	}}
}

// TestEntity declares a rule tried before it is saved.
var TestEntity = &field.Entity{Name: "CheckTest", Fields: []field.Field{
	{Name: "rule", Label: "Rule", Kind: field.String, Required: true, Help: "the CEL expression to try"},
	{Name: "kind", Label: "Collector kind", Kind: field.String, Required: true, Enum: Kinds},
	{Name: "resource_type", Label: "Resource type", Kind: field.String},
	{Name: "collector_id", Label: "Collector", Kind: field.String, Help: "only this collector's facts (default: every collector of the kind)"},
}}

// TestResultEntity declares what a test answers.
var TestResultEntity = field.FromStruct("CheckTestResult", TestResult{})

// RunEntity declares a check's run.
var RunEntity = field.FromStruct("CheckRun", Run{})

// AcceptEntity declares why a failure is accepted.
var AcceptEntity = &field.Entity{Name: "CheckAcceptance", Fields: []field.Field{
	{Name: "reason", Label: "Reason", Kind: field.String, Required: true, Help: "why the failing result is accepted: a compensating control, a planned fix and its date"},
}}

// AgentTokenEntity declares the request for an agent token.
var AgentTokenEntity = &field.Entity{Name: "AgentTokenRequest", Fields: []field.Field{{Name: "name", Label: "Name", Kind: field.String}}}

// FactsEntity declares what an agent posts.
var FactsEntity = &field.Entity{Name: "HostFacts", Fields: []field.Field{
	{Name: "resources", Label: "Resources", Kind: field.Objects, Required: true, Help: "what bulwark agent collected: [{type, id, facts}]"},
}}

var resourceSchema = map[string]any{"type": "array", "items": map[string]any{"type": "object"}}

func (h *handlers) routes() []web.Route {
	return []web.Route{
		{Method: "GET", Pattern: "/api/v1/collectors", Perm: bulwark.PermISMSRead, Summary: "List collector targets", Handler: h.apiCollectors, Response: CollectorEntity, List: true,
			Query: []field.Param{{Name: "kind", Enum: Kinds}, {Name: "include_archived", Kind: field.Bool}}},
		{Method: "POST", Pattern: "/api/v1/collectors", Perm: bulwark.PermISMSEdit, Summary: "Add a collector target (a postgres connection string is stored encrypted)", Handler: h.apiCollectorCreate,
			Request: CollectorEntity, Response: CollectorEntity, Status: http.StatusCreated},
		{Method: "GET", Pattern: "/api/v1/collectors/{id}", Perm: bulwark.PermISMSRead, Summary: "Read a collector target", Handler: h.apiCollector, Response: CollectorEntity},
		{Method: "PATCH", Pattern: "/api/v1/collectors/{id}", Perm: bulwark.PermISMSEdit, Summary: "Change a collector target", Handler: h.apiCollectorPatch, Request: CollectorEntity, Response: CollectorEntity},
		{Method: "DELETE", Pattern: "/api/v1/collectors/{id}", Perm: bulwark.PermISMSEdit, Summary: "Archive a collector target (its agent token is revoked)", Handler: h.apiCollectorArchive, Status: http.StatusNoContent},
		{Method: "GET", Pattern: "/api/v1/collectors/{id}/facts", Perm: bulwark.PermISMSRead, Summary: "What the collector found last", Handler: h.apiFacts,
			Reply: map[string]any{"type": "object", "properties": map[string]any{"collected_at": map[string]any{"type": []string{"string", "null"}}, "resources": resourceSchema}}},
		{Method: "POST", Pattern: "/api/v1/collectors/{id}/collect", Perm: bulwark.PermISMSEdit, Summary: "Collect now and run the enabled checks that read this collector", Handler: h.apiCollect,
			Body: web.Props(), Response: RunEntity, List: true},
		{Method: "POST", Pattern: "/api/v1/collectors/{id}/agent-token", Perm: bulwark.PermISMSEdit, Summary: "Issue the host collector's agent token (shown once; replaces the previous one)",
			Handler: h.apiAgentToken, Request: AgentTokenEntity, Response: tokenEntity, Status: http.StatusCreated},
		{Method: "PUT", Pattern: "/api/v1/collectors/{id}/plan", Perm: bulwark.PermISMSEdit, Summary: "Upload a Terraform plan or state in its JSON format (terraform show -json)",
			Handler: h.apiPlan, Body: map[string]any{"file": map[string]any{"type": "string", "format": "binary"}}, BodyType: "multipart/form-data", Response: CollectorEntity},
		{Method: "POST", Pattern: "/api/v1/agent/facts", Perm: bulwark.PermAgentFacts, Summary: "A host agent posts its facts (agent tokens only); the host's checks run", Handler: h.apiAgentFacts,
			Request: FactsEntity, Response: RunEntity, List: true},

		{Method: "GET", Pattern: "/api/v1/checks", Perm: bulwark.PermISMSRead, Summary: "List checks", Handler: h.apiChecks, Response: CheckEntity, List: true,
			Query: []field.Param{{Name: "kind", Enum: Kinds}, {Name: "status", Enum: Statuses}, {Name: "control_id"}, {Name: "enabled", Kind: field.Bool}, {Name: "include_archived", Kind: field.Bool}}},
		{Method: "POST", Pattern: "/api/v1/checks", Perm: bulwark.PermISMSEdit, Summary: "Add a check (a rule that does not compile is a 422 with the compiler's message)", Handler: h.apiCheckCreate,
			Request: CheckEntity, Response: CheckEntity, Status: http.StatusCreated},
		{Method: "POST", Pattern: "/api/v1/checks/test", Perm: bulwark.PermISMSEdit, Summary: "Try a rule on the last collected facts, storing nothing", Handler: h.apiTest,
			Request: TestEntity, Response: TestResultEntity},
		{Method: "GET", Pattern: "/api/v1/checks/{id}", Perm: bulwark.PermISMSRead, Summary: "Read a check", Handler: h.apiCheck, Response: CheckEntity},
		{Method: "PATCH", Pattern: "/api/v1/checks/{id}", Perm: bulwark.PermISMSEdit, Summary: "Change a check (a built-in check's rule stays as shipped)", Handler: h.apiCheckPatch, Request: CheckEntity, Response: CheckEntity},
		{Method: "DELETE", Pattern: "/api/v1/checks/{id}", Perm: bulwark.PermISMSEdit, Summary: "Archive a check", Handler: h.apiCheckArchive, Status: http.StatusNoContent},
		{Method: "POST", Pattern: "/api/v1/checks/{id}/run", Perm: bulwark.PermISMSEdit, Summary: "Run a check now", Handler: h.apiRun, Body: web.Props(), Response: RunEntity, Status: http.StatusCreated},
		{Method: "POST", Pattern: "/api/v1/checks/{id}/accept", Perm: bulwark.PermISMSEdit, Summary: "Record why a failing result is accepted: its controls stop needing attention until it passes again",
			Handler: h.apiAccept, Request: AcceptEntity, Response: CheckEntity},
		{Method: "GET", Pattern: "/api/v1/checks/{id}/runs", Perm: bulwark.PermISMSRead, Summary: "A check's runs, newest first", Handler: h.apiRuns, Response: RunEntity, List: true},
		{Method: "GET", Pattern: "/api/v1/checks/{id}/runs/{run}", Perm: bulwark.PermISMSRead, Summary: "One run with its result per resource and the facts read", Handler: h.apiRunOne, Response: RunEntity},
		{Method: "GET", Pattern: "/api/v1/control-health", Perm: bulwark.PermISMSRead, Summary: "Per control: evidence freshness and check results; per framework: the share of controls with current evidence",
			Handler: h.apiHealth, Reply: healthSchema},

		{Method: "GET", Pattern: "/o/{slug}/monitoring", Perm: bulwark.PermISMSRead, Handler: h.monitoringPage},
		{Method: "GET", Pattern: "/o/{slug}/checks/new", Perm: bulwark.PermISMSEdit, Handler: h.checkNewPage},
		{Method: "POST", Pattern: "/o/{slug}/checks", Perm: bulwark.PermISMSEdit, Handler: h.checkCreateSubmit},
		{Method: "POST", Pattern: "/o/{slug}/checks/test", Perm: bulwark.PermISMSEdit, Handler: h.checkTestSubmit},
		{Method: "GET", Pattern: "/o/{slug}/checks/{id}", Perm: bulwark.PermISMSRead, Handler: h.checkPage},
		{Method: "POST", Pattern: "/o/{slug}/checks/{id}", Perm: bulwark.PermISMSEdit, Handler: h.checkEditSubmit},
		{Method: "POST", Pattern: "/o/{slug}/checks/{id}/run", Perm: bulwark.PermISMSEdit, Handler: h.checkRunSubmit},
		{Method: "POST", Pattern: "/o/{slug}/checks/{id}/accept", Perm: bulwark.PermISMSEdit, Handler: h.checkAcceptSubmit},
		{Method: "GET", Pattern: "/o/{slug}/collectors/new", Perm: bulwark.PermISMSEdit, Handler: h.collectorNewPage},
		{Method: "POST", Pattern: "/o/{slug}/collectors", Perm: bulwark.PermISMSEdit, Handler: h.collectorCreateSubmit},
		{Method: "GET", Pattern: "/o/{slug}/collectors/{id}", Perm: bulwark.PermISMSRead, Handler: h.collectorPage},
		{Method: "POST", Pattern: "/o/{slug}/collectors/{id}/collect", Perm: bulwark.PermISMSEdit, Handler: h.collectorCollectSubmit},
		{Method: "POST", Pattern: "/o/{slug}/collectors/{id}/agent-token", Perm: bulwark.PermISMSEdit, Handler: h.collectorTokenSubmit},
		{Method: "POST", Pattern: "/o/{slug}/collectors/{id}/plan", Perm: bulwark.PermISMSEdit, Handler: h.collectorPlanSubmit},
		{Method: "GET", Pattern: "/o/{slug}/control-health", Perm: bulwark.PermISMSRead, Handler: h.healthPage},
	}
}

// tokenEntity is the agent token as issued: the secret appears once.
var tokenEntity = field.FromStruct("AgentToken", bulwark.APIToken{})

func writeList[T any](w http.ResponseWriter, items []T) {
	if items == nil {
		items = []T{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": nil})
}

func boolParam(r *http.Request, name string) (*bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return nil, bulwark.Invalid(name, "must be true or false")
	}
	return &b, nil
}

func collectorInputOf(v field.Values) (CollectorInput, error) {
	in := CollectorInput{Kind: v.Str("kind"), Name: v.Str("name"), ConnectionString: v.Str("connection_string")}
	var cfg map[string]string
	if ok, err := v.Into("config", &cfg); err != nil {
		return in, bulwark.Invalid("config", "must be an object of text settings, such as {\"target\":\"portal.example.com:443\"}")
	} else if ok {
		in.Config = &cfg
	}
	return in, nil
}

func (h *handlers) apiCollectors(w http.ResponseWriter, r *http.Request) {
	kind := r.URL.Query().Get("kind")
	cs, err := h.svc.Collectors(r.Context(), web.PrincipalFrom(r), kind, r.URL.Query().Get("include_archived") == "true")
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	writeList(w, cs)
}

func (h *handlers) apiCollectorCreate(w http.ResponseWriter, r *http.Request) {
	vals, _, err := h.Decode(w, r, CollectorEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	in, err := collectorInputOf(vals)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	c, err := h.svc.CreateCollector(r.Context(), web.PrincipalFrom(r), in)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/collectors/"+c.ID)
	web.WriteJSON(w, http.StatusCreated, c)
}

func (h *handlers) apiCollector(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Collector(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, c.Version))
	web.WriteJSON(w, http.StatusOK, c)
}

func (h *handlers) apiCollectorPatch(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Collector(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, CollectorEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	in, err := collectorInputOf(vals)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	c, err := h.svc.UpdateCollector(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), in, expect, nil)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}

func (h *handlers) apiCollectorArchive(w http.ResponseWriter, r *http.Request) {
	yes := true
	if _, err := h.svc.UpdateCollector(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), CollectorInput{}, nil, &yes); err != nil {
		h.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handlers) apiFacts(w http.ResponseWriter, r *http.Request) {
	c, rs, err := h.svc.Facts(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"collected_at": c.CollectedAt, "resources": rs})
}

func (h *handlers) apiCollect(w http.ResponseWriter, r *http.Request) {
	_, runs, err := h.svc.Collect(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	writeList(w, runs)
}

func (h *handlers) apiAgentToken(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if _, err := h.svc.Collector(r.Context(), p, r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, err := h.DecodeCreate(w, r, AgentTokenEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	t, err := h.svc.AgentToken(r.Context(), p, "", r.PathValue("id"), bulwark.Value(vals.Str("name")))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, t)
}

func (h *handlers) apiPlan(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if _, err := h.svc.Collector(r.Context(), p, r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	f, err := h.planUpload(w, r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	c, err := h.svc.SetPlan(r.Context(), p, r.PathValue("id"), f)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}

// planUpload streams the multipart field "file" into the blob store and checks
// it is a Terraform plan or state Bulwark reads.
func (h *handlers) planUpload(w http.ResponseWriter, r *http.Request) (*evidence.File, error) {
	r.Body = http.MaxBytesReader(w, r.Body, h.MaxUpload()+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, bulwark.Invalid("file", "is required: send the plan as the multipart field file")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, bulwark.Invalid("file", "is required: send the plan as the multipart field file")
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, bulwark.Errorf(bulwark.ETOOLARGE, "The upload is larger than the %d MB allowed.", h.MaxUpload()>>20)
			}
			return nil, bulwark.Errorf(bulwark.EMALFORMED, "The upload could not be read.")
		}
		if part.FormName() != "file" || part.FileName() == "" {
			part.Close()
			continue
		}
		f, err := h.ev.StoreFile(r.Context(), web.PrincipalFrom(r), part.FileName(), part, min(h.MaxUpload(), maxPlanSize))
		part.Close()
		if err != nil {
			return nil, err
		}
		body, err := h.svc.Blobs().Open(r.Context(), web.PrincipalFrom(r).Org.ID, f.SHA256)
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(body)
		body.Close()
		if err != nil {
			return nil, err
		}
		if _, err := collect.Terraform(data); err != nil {
			return nil, bulwark.Invalid("file", "is not a plan or state in Terraform's JSON format (terraform show -json): "+err.Error())
		}
		return f, nil
	}
}

func (h *handlers) apiAgentFacts(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	raw, err := h.DecodeJSON(w, r)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	var rs []collect.Resource
	if err := json.Unmarshal(raw["resources"], &rs); err != nil || raw["resources"] == nil {
		h.Problem(w, r, bulwark.Invalid("resources", "must be a list of {type, id, facts}"))
		return
	}
	for k := range raw {
		if k != "resources" {
			h.Problem(w, r, bulwark.Invalid(k, "is not a field of host facts"))
			return
		}
	}
	_, runs, err := h.svc.PostFacts(r.Context(), p, rs)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	writeList(w, runs)
}

func checkInputOf(v field.Values) CheckInput {
	return CheckInput{Name: v.Str("name"), Description: v.Str("description"), Kind: v.Str("kind"), ResourceType: v.Str("resource_type"), Rule: v.Str("rule"),
		Schedule: v.Str("schedule"), ControlIDs: v.List("control_ids"), CollectorID: v.NullStr("collector_id"), Enabled: v.Bool("enabled")}
}

func (h *handlers) apiChecks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := CheckFilter{Kind: q.Get("kind"), Status: q.Get("status"), ControlID: q.Get("control_id"), IncludeArchived: q.Get("include_archived") == "true"}
	var err error
	if f.Enabled, err = boolParam(r, "enabled"); err != nil {
		h.Problem(w, r, err)
		return
	}
	cs, err := h.svc.Checks(r.Context(), web.PrincipalFrom(r), f)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	writeList(w, cs)
}

func (h *handlers) apiCheckCreate(w http.ResponseWriter, r *http.Request) {
	vals, _, err := h.Decode(w, r, CheckEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	c, err := h.svc.CreateCheck(r.Context(), web.PrincipalFrom(r), checkInputOf(vals))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/checks/"+c.ID)
	web.WriteJSON(w, http.StatusCreated, c)
}

func (h *handlers) apiCheck(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Check(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, c.Version))
	web.WriteJSON(w, http.StatusOK, c)
}

func (h *handlers) apiCheckPatch(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.Check(r.Context(), web.PrincipalFrom(r), r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, expect, err := h.Decode(w, r, CheckEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	c, err := h.svc.UpdateCheck(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), checkInputOf(vals), expect, nil)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}

func (h *handlers) apiCheckArchive(w http.ResponseWriter, r *http.Request) {
	yes := true
	if _, err := h.svc.UpdateCheck(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), CheckInput{}, nil, &yes); err != nil {
		h.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handlers) apiTest(w http.ResponseWriter, r *http.Request) {
	vals, err := h.DecodeCreate(w, r, TestEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	res, err := h.svc.TestRule(r.Context(), web.PrincipalFrom(r), bulwark.Value(vals.Str("kind")), bulwark.Value(vals.Str("resource_type")),
		bulwark.Value(vals.Str("rule")), bulwark.Value(vals.Str("collector_id")))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, res)
}

func (h *handlers) apiRun(w http.ResponseWriter, r *http.Request) {
	run, err := h.svc.RunCheck(r.Context(), web.PrincipalFrom(r), r.PathValue("id"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, run)
}

func (h *handlers) apiAccept(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r)
	if _, err := h.svc.Check(r.Context(), p, r.PathValue("id")); err != nil {
		h.Problem(w, r, err)
		return
	}
	vals, err := h.DecodeCreate(w, r, AcceptEntity)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	c, err := h.svc.Accept(r.Context(), p, r.PathValue("id"), bulwark.Value(vals.Str("reason")))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}

func (h *handlers) apiRuns(w http.ResponseWriter, r *http.Request) {
	_, runs, err := h.svc.Runs(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), 200)
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	writeList(w, runs)
}

func (h *handlers) apiRunOne(w http.ResponseWriter, r *http.Request) {
	run, err := h.svc.RunResults(r.Context(), web.PrincipalFrom(r), r.PathValue("id"), r.PathValue("run"))
	if err != nil {
		h.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, run)
}
