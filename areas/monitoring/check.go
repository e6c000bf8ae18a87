package monitoring

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/collect"
	"github.com/bulwark-isms/bulwark/field"
)

// Kinds are the collectors Bulwark runs, by what they reach.
var Kinds = []string{collect.KindHost, collect.KindTLS, collect.KindGit, collect.KindTerraform, collect.KindPostgres}

// kindLabels are the kinds as people read them.
var kindLabels = map[string]string{collect.KindHost: "Linux host (agent)", collect.KindTLS: "TLS endpoint", collect.KindGit: "Git repository",
	collect.KindTerraform: "Terraform plan or state", collect.KindPostgres: "PostgreSQL server"}

// KindLabel is what people read for a collector kind.
func KindLabel(k string) string {
	if l, ok := kindLabels[k]; ok {
		return l
	}
	return k
}

// Choice is a value a form offers, with what people read for it.
type Choice struct{ Value, Label string }

// KindChoices are the collector kinds as a form offers them.
func KindChoices() []Choice {
	out := make([]Choice, len(Kinds))
	for i, k := range Kinds {
		out[i] = Choice{k, KindLabel(k)}
	}
	return out
}

// KindName is what people read for the collector's kind.
func (c *Collector) KindName() string { return KindLabel(c.Kind) }

// KindName is what people read for the kind of collector the check reads.
func (c *Check) KindName() string { return KindLabel(c.Kind) }

// Check statuses: the outcome of the last run over every resource.
const (
	StatusNotRun = "not_run"
	StatusPass   = "pass"
	StatusFail   = "fail"  // some resource failed the rule
	StatusError  = "error" // nothing failed, but the facts could not be collected or a resource could not be judged
)

// Statuses lists the check statuses.
var Statuses = []string{StatusNotRun, StatusPass, StatusFail, StatusError}

// Intervals are how often a check may run, in minutes: hourly to monthly.
var Intervals = []int{60, 360, 1440, 10080, 43200}

// Collector is a target a collector reaches, with what it found last.
type Collector struct {
	ID           string            `json:"id"`
	Ref          string            `json:"ref"`
	Kind         string            `json:"kind"`
	Name         string            `json:"name"`
	Config       map[string]string `json:"config"`
	HasSecret    bool              `json:"has_secret"`
	AgentBound   bool              `json:"agent_bound"`
	CollectedAt  *time.Time        `json:"collected_at"`
	Resources    int               `json:"resources"`
	LastError    string            `json:"last_error"`
	Version      int               `json:"version"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	ArchivedAt   *time.Time        `json:"archived_at"`
	agentTokenID *string
	secret       *string
}

// configKeys are the settings each kind takes in config (not secret).
var configKeys = map[string][]string{
	collect.KindHost:      {},
	collect.KindTLS:       {"target"},
	collect.KindGit:       {"path"},
	collect.KindTerraform: {"path", "sha256", "filename"},
	collect.KindPostgres:  {"server"},
}

// Validate checks a collector's own fields; secret is the connection string
// given with it (postgres), "" when unchanged.
func (c *Collector) Validate(secret string) error {
	var v bulwark.Validation
	if !slices.Contains(Kinds, c.Kind) {
		v.Add("kind", "must be one of "+strings.Join(Kinds, ", "))
	}
	switch n := utf8.RuneCountInString(strings.TrimSpace(c.Name)); {
	case n == 0:
		v.Add("name", "is required")
	case n > 200:
		v.Add("name", "must be at most 200 characters")
	}
	for k, val := range c.Config {
		if !slices.Contains(configKeys[c.Kind], k) {
			v.Add("config", "holds "+k+", which a "+c.Kind+" collector does not take (it takes "+orNothing(configKeys[c.Kind])+")")
		}
		if len(val) > 2000 {
			v.Add("config", k+" must be at most 2,000 characters")
		}
	}
	switch c.Kind {
	case collect.KindTLS:
		t := c.Config["target"]
		if i := strings.LastIndex(t, ":"); t == "" || i <= 0 || i == len(t)-1 || strings.ContainsAny(t, "/ ") {
			v.Add("config", `target must be host:port, such as "portal.example.com:443"`)
		}
	case collect.KindGit:
		if !strings.HasPrefix(c.Config["path"], "/") {
			v.Add("config", "path must be the absolute path of a repository on the server, such as /srv/git/app")
		}
	case collect.KindTerraform:
		if p := c.Config["path"]; p != "" && !strings.HasPrefix(p, "/") {
			v.Add("config", "path must be the absolute path of a plan or state in Terraform's JSON format on the server (or upload one)")
		}
	case collect.KindPostgres:
		if secret == "" && c.secret == nil {
			v.Add("connection_string", `is required: postgres://user:password@host:5432/database?sslmode=require`)
		}
		if secret != "" {
			if msg := checkDSN(secret); msg != "" {
				v.Add("connection_string", msg)
			}
		}
	}
	return v.Err()
}

// dsnKeys are the settings a connection string may carry. Others would make
// the server read its own files (sslrootcert, sslkey, passfile, service files)
// and tell, by the error, whether they exist.
var dsnKeys = map[string]bool{"sslmode": true, "connect_timeout": true, "application_name": true}

// checkDSN says what is wrong with a postgres connection string, or "". It must
// name the host, the user and the password itself: nothing is taken from the
// server's environment or ~/.pgpass.
func checkDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "must be a URL: postgres://user:password@host:5432/database?sslmode=require"
	}
	if u.Hostname() == "" || strings.HasPrefix(u.Host, "/") {
		return "must name the server's host"
	}
	if pw, ok := u.User.Password(); !ok || pw == "" || u.User.Username() == "" {
		return "must hold the user and the password (postgres://user:password@host/database)"
	}
	for k := range u.Query() {
		if !dsnKeys[k] {
			return "may set only sslmode, connect_timeout and application_name, not " + k
		}
	}
	return ""
}

func orNothing(keys []string) string {
	if len(keys) == 0 {
		return "nothing"
	}
	return strings.Join(keys, ", ")
}

// Check is an automated check: a rule in CEL over the resources one kind of
// collector finds, the controls whose working it shows, how often it runs.
type Check struct {
	ID             string     `json:"id"`
	Ref            string     `json:"ref"`
	Builtin        bool       `json:"builtin"`
	BuiltinKey     string     `json:"builtin_key"`
	Name           string     `json:"name"`
	Description    string     `json:"description"`
	Kind           string     `json:"kind"`
	ResourceType   string     `json:"resource_type"`
	Rule           string     `json:"rule"`
	ControlIDs     []string   `json:"control_ids"`
	CollectorID    *string    `json:"collector_id"`
	Schedule       string     `json:"schedule"`
	Enabled        bool       `json:"enabled"`
	Status         string     `json:"status"`
	Passed         int        `json:"passed"`
	Failed         int        `json:"failed"`
	Errors         int        `json:"errors"`
	LastRunAt      *time.Time `json:"last_run_at"`
	NextRunAt      *time.Time `json:"next_run_at"`
	AcceptedReason string     `json:"accepted_reason"`
	AcceptedBy     *string    `json:"accepted_by"`
	AcceptedAt     *time.Time `json:"accepted_at"`
	EvidenceID     *string    `json:"evidence_id"`
	Version        int        `json:"version"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	ArchivedAt     *time.Time `json:"archived_at"`

	intervalMinutes int
}

// Schedules are the names of the intervals: how the API writes a check's schedule.
var Schedules = []string{"hourly", "every_6_hours", "daily", "weekly", "monthly"}

// scheduleMinutes maps a schedule's name to its interval.
var scheduleMinutes = map[string]int{"hourly": 60, "every_6_hours": 360, "daily": 1440, "weekly": 10080, "monthly": 43200}

// scheduleOf names an interval in minutes.
func scheduleOf(minutes int) string {
	for name, m := range scheduleMinutes {
		if m == minutes {
			return name
		}
	}
	return "daily"
}

// Interval is how long a check waits between runs.
func (c *Check) Interval() time.Duration { return time.Duration(c.intervalMinutes) * time.Minute }

// Validate checks a check's own fields (the rule compiles separately).
func (c *Check) Validate() error {
	var v bulwark.Validation
	switch n := utf8.RuneCountInString(strings.TrimSpace(c.Name)); {
	case n == 0:
		v.Add("name", "is required")
	case n > 200:
		v.Add("name", "must be at most 200 characters")
	}
	if utf8.RuneCountInString(c.Description) > 5000 {
		v.Add("description", "must be at most 5,000 characters")
	}
	if !slices.Contains(Kinds, c.Kind) {
		v.Add("kind", "must be one of "+strings.Join(Kinds, ", "))
	}
	if len(c.ResourceType) > 100 {
		v.Add("resource_type", "must be at most 100 characters")
	}
	if strings.TrimSpace(c.Rule) == "" {
		v.Add("rule", "is required: a CEL expression that is true when a resource passes, such as resource.ssl == true")
	}
	if _, ok := scheduleMinutes[c.Schedule]; !ok {
		v.Add("schedule", "must be one of "+strings.Join(Schedules, ", "))
	}
	return v.Err()
}

// Summary counts a run's outcomes and says the check's status: fail when any
// resource failed, error when none failed but some could not be judged (or
// nothing could be collected), pass otherwise.
func Summary(outcomes []string, collectErr bool) (status string, passed, failed, errs int) {
	for _, o := range outcomes {
		switch o {
		case StatusPass:
			passed++
		case StatusFail:
			failed++
		default:
			errs++
		}
	}
	switch {
	case failed > 0:
		return StatusFail, passed, failed, errs
	case errs > 0 || collectErr:
		return StatusError, passed, failed, errs
	case passed == 0:
		return StatusError, passed, failed, errs // nothing to judge: no resource of the type was found
	}
	return StatusPass, passed, failed, errs
}

// NeedsAttention says whether a check's result asks a person to look at its
// controls: it fails or errs and nobody recorded why that is accepted.
func (c *Check) NeedsAttention() bool {
	return c.Enabled && c.ArchivedAt == nil && (c.Status == StatusFail || c.Status == StatusError) && c.AcceptedAt == nil
}

// CollectorEntity declares a collector target's fields.
var CollectorEntity = field.FromStruct("Collector", Collector{}).
	Writable("kind", "name", "config", "version").Require("kind", "name").OneOf("kind", Kinds).
	Shape("config", map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"},
		"description": "tls: {\"target\":\"host:port\"}; git: {\"path\":\"/srv/git/app\"}; terraform: {\"path\":\"/srv/tf/plan.json\"} or an upload; host and postgres: nothing"}).
	Add(field.Field{Name: "connection_string", Label: "Connection string", Kind: field.String, Input: true,
		Help: "postgres only: postgres://user:password@host:5432/db, stored encrypted with the instance's secret key and never shown again"}).
	Describe("has_secret", "Has a secret", "a connection string is stored (encrypted)").
	Describe("agent_bound", "Agent bound", "a host collector has an agent token").
	Describe("resources", "Resources", "how many resources the last collection found")

// CheckEntity declares a check's fields.
var CheckEntity = field.FromStruct("Check", Check{}).
	Writable("name", "description", "kind", "resource_type", "rule", "control_ids", "collector_id", "schedule", "enabled", "version").
	Require("name", "kind", "rule").OneOf("kind", Kinds).OneOf("schedule", Schedules).
	Describe("rule", "Rule", "a CEL expression over resource (the facts), type and id; true means the resource passes").
	Describe("resource_type", "Resource type", "only resources of this type (a Terraform type such as aws_s3_bucket); empty: every resource").
	Describe("collector_id", "Collector", "the collector it reads; null: every collector of its kind").
	Describe("status", "Status", "the last run's outcome: not_run, pass, fail (a resource failed) or error (the facts could not be collected or judged)").
	Describe("builtin", "Built in", "shipped with Bulwark; its rule can be read, copied and disabled, not changed")
