package monitoring

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/evidence"
	"github.com/bulwark-isms/bulwark/blobstore"
	"github.com/bulwark-isms/bulwark/checkrule"
	"github.com/bulwark-isms/bulwark/collect"
	"github.com/bulwark-isms/bulwark/schedule"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// JobKind is the scheduler's kind for running one check when it is due.
const JobKind = "check"

// Triggers of a run.
const (
	TriggerSchedule = "schedule"
	TriggerManual   = "manual"
	TriggerAgent    = "agent"
)

// collectTimeout bounds one collection: a slow target cannot hold a job for ever.
const collectTimeout = time.Minute

// freshFacts is how recent a collection must be to serve another check's run
// without collecting again (several checks read one target).
const freshFacts = time.Minute

// maxPlanSize caps a Terraform plan or state read from a path.
const maxPlanSize = 64 << 20

func jobKey(checkID string) string { return "check:" + checkID }

// reschedule puts an enabled, live check's next run in the jobs table (host
// checks run when their agent posts, so they have no job) or takes it out.
func reschedule(ctx context.Context, tx store, orgID string, c *Check, from time.Time) error {
	if !c.Enabled || c.ArchivedAt != nil || c.Kind == collect.KindHost {
		return schedule.Remove(ctx, tx.Tx, jobKey(c.ID))
	}
	return schedule.Put(ctx, tx.Tx, jobKey(c.ID), JobKind, orgID, c.ID, from)
}

// scheduleKind schedules every enabled check of kind now (a collector was added).
func scheduleKind(ctx context.Context, tx store, orgID, kind string) error {
	yes := true
	cs, err := tx.Checks(ctx, orgID, CheckFilter{Kind: kind, Enabled: &yes})
	if err != nil {
		return err
	}
	for _, c := range cs {
		if err := reschedule(ctx, tx, orgID, c, tx.Now()); err != nil {
			return err
		}
	}
	return nil
}

// runJob is the scheduler's handler: run the check, due again after its interval.
func (s *Service) runJob(ctx context.Context, j schedule.Job) (time.Time, error) {
	var c *Check
	err := s.view(ctx, func(tx store) error {
		var err error
		c, err = tx.Check(ctx, j.OrgID, j.Subject)
		return err
	})
	if bulwark.ErrorCode(err) == bulwark.ENOTFOUND {
		return time.Time{}, nil // the check is gone: so is its job
	}
	if err != nil {
		return time.Time{}, err
	}
	if !c.Enabled || c.ArchivedAt != nil {
		return time.Time{}, nil
	}
	if _, err := s.run(ctx, j.OrgID, c, TriggerSchedule, app.Meta{ActorID: "system:scheduler"}, nil); err != nil {
		return time.Time{}, err
	}
	return time.Now().Add(c.Interval()), nil
}

// RunCheck runs a check now, for a person.
func (s *Service) RunCheck(ctx context.Context, p *bulwark.Principal, id string) (*Run, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	c, err := s.Check(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if c.ArchivedAt != nil {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "%s is archived.", c.Ref)
	}
	return s.run(ctx, p.Org.ID, c, TriggerManual, app.MetaOf(p), nil)
}

// targets are the collectors a check reads.
func (s *Service) targets(ctx context.Context, orgID string, c *Check) ([]*Collector, error) {
	var out []*Collector
	err := s.view(ctx, func(tx store) error {
		if c.CollectorID != nil {
			col, err := tx.Collector(ctx, orgID, *c.CollectorID)
			if err != nil {
				return err
			}
			if col.ArchivedAt == nil {
				out = []*Collector{col}
			}
			return nil
		}
		var err error
		out, err = tx.Collectors(ctx, orgID, c.Kind, false)
		return err
	})
	return out, err
}

// gather returns the resources of a collector: a host's as its agent posted
// them, the others collected now (or within the last minute) from the server,
// within --collector-allow.
func (s *Service) gather(ctx context.Context, orgID string, col *Collector) ([]collect.Resource, error) {
	var stored []collect.Resource
	if err := s.view(ctx, func(tx store) error {
		var err error
		stored, err = tx.Facts(ctx, orgID, col.ID)
		return err
	}); err != nil {
		return nil, err
	}
	if col.Kind == collect.KindHost {
		if stored == nil {
			return nil, fmt.Errorf("%s has no facts yet: run bulwark agent on the host with its agent token", col.Ref)
		}
		return stored, nil
	}
	if col.CollectedAt != nil && time.Since(*col.CollectedAt) < freshFacts {
		// Collected a moment ago for another check: its facts, or its failure (a target that does not
		// answer is not asked again by each of its checks).
		if col.LastError != "" {
			return nil, fmt.Errorf("%s", col.LastError)
		}
		if stored != nil {
			return stored, nil
		}
	}
	rs, cerr := s.collectNow(ctx, orgID, col)
	msg := ""
	if cerr != nil {
		msg = cerr.Error()
	}
	if err := s.write(ctx, func(tx store) error { return tx.SetFacts(ctx, orgID, col.ID, rs, msg) }); err != nil {
		return nil, err
	}
	return rs, cerr
}

// collectNow runs a server-side collector against its target.
func (s *Service) collectNow(ctx context.Context, orgID string, col *Collector) ([]collect.Resource, error) {
	allow, err := s.allowFor(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, collectTimeout)
	defer cancel()
	switch col.Kind {
	case collect.KindTLS:
		return collect.TLS(ctx, col.Config["target"], allow.Dialer())
	case collect.KindGit:
		path, err := allow.Path(col.Config["path"])
		if err != nil {
			return nil, err
		}
		return collect.Git(ctx, path, collect.GitOptions{})
	case collect.KindTerraform:
		var data []byte
		if col.Config["sha256"] == "" && col.Config["path"] == "" {
			return nil, fmt.Errorf("%s has no plan yet: upload one, or give the path of one on the server", col.Ref)
		}
		if sha := col.Config["sha256"]; sha != "" {
			if s.Blobs() == nil {
				return nil, fmt.Errorf("this instance has no evidence store for the uploaded plan")
			}
			r, err := s.Blobs().Open(ctx, orgID, sha)
			if err != nil {
				return nil, err
			}
			defer r.Close()
			if data, err = io.ReadAll(io.LimitReader(r, maxPlanSize+1)); err != nil {
				return nil, err
			}
		} else {
			path, err := allow.Path(col.Config["path"])
			if err != nil {
				return nil, err
			}
			if st, err := os.Stat(path); err != nil {
				return nil, fmt.Errorf("read the plan: %w", err)
			} else if !st.Mode().IsRegular() {
				return nil, fmt.Errorf("%s is not a regular file", col.Config["path"]) // a FIFO or a device would block for ever
			}
			f, err := os.Open(path)
			if err != nil {
				return nil, fmt.Errorf("read the plan: %w", err)
			}
			defer f.Close()
			if data, err = io.ReadAll(io.LimitReader(f, maxPlanSize+1)); err != nil {
				return nil, err
			}
		}
		if len(data) > maxPlanSize {
			return nil, fmt.Errorf("the plan is larger than %s", blobstore.Size(maxPlanSize))
		}
		return collect.Terraform(data)
	case collect.KindPostgres:
		if col.secret == nil {
			return nil, fmt.Errorf("%s has no connection string", col.Ref)
		}
		dsn, err := s.Unseal(orgID, *col.secret)
		if err != nil {
			return nil, err
		}
		return collect.Postgres(ctx, string(dsn), collect.PostgresDial(allow.Dialer()))
	}
	return nil, fmt.Errorf("no collector for %s", col.Kind)
}

// allowFor is --collector-allow as it applies to orgID: "{org}" in it stands for
// the organisation's slug, so on an instance shared by several organisations
// /srv/git/{org} lets each reach only its own repositories.
func (s *Service) allowFor(ctx context.Context, orgID string) (*collect.Allow, error) {
	if s.allowErr != nil {
		return nil, fmt.Errorf("--collector-allow is not valid: %w", s.allowErr)
	}
	spec := s.CollectorAllow()
	if !strings.Contains(spec, "{org}") {
		return s.allow, nil
	}
	var slug string
	if err := s.DB.View(ctx, func(tx *sqlstore.Tx) error {
		return tx.QueryRow(ctx, `SELECT slug FROM organisations WHERE id = ?`, orgID).Scan(&slug)
	}); err != nil {
		return nil, err
	}
	return collect.ParseAllow(strings.ReplaceAll(spec, "{org}", slug))
}

// evaluate judges resources with a rule, keeping the ones of the check's type.
func evaluate(ctx context.Context, rule *checkrule.Rule, resourceType string, rs []collect.Resource) []Result {
	var out []Result
	for _, r := range rs {
		if resourceType != "" && r.Type != resourceType {
			continue
		}
		v := rule.Eval(ctx, r)
		out = append(out, Result{ResourceType: r.Type, ResourceID: r.ID, Outcome: v.Outcome, Message: v.Message, Facts: r.Facts})
	}
	return out
}

// run collects, evaluates, and records a run of c: the run and its results, the
// check's status, a revision of its evidence, its controls' attention, and an
// audit entry. facts, when given, are a host's just posted by its agent.
func (s *Service) run(ctx context.Context, orgID string, c *Check, trigger string, m app.Meta, only *Collector) (*Run, error) {
	started := time.Now().UTC()
	rule, err := compile(c.Rule)
	if err != nil {
		return nil, err
	}
	targets := []*Collector{only}
	if only == nil {
		if targets, err = s.targets(ctx, orgID, c); err != nil {
			return nil, err
		}
	}
	run := &Run{StartedAt: started, Trigger: trigger}
	var problems []string
	for _, col := range targets {
		rs, err := s.gather(ctx, orgID, col)
		if err != nil {
			problems = append(problems, col.Ref+": "+err.Error())
			run.Results = append(run.Results, Result{ResourceType: "collector", ResourceID: col.Ref + " " + col.Name, Outcome: StatusError, Message: err.Error(), Facts: map[string]any{}})
			continue
		}
		run.Results = append(run.Results, evaluate(ctx, rule, c.ResourceType, rs)...)
	}
	if len(targets) == 0 {
		problems = append(problems, "no "+KindLabel(c.Kind)+" collector is configured")
	}
	outcomes := make([]string, len(run.Results))
	for i, r := range run.Results {
		outcomes[i] = r.Outcome
	}
	run.Status, run.Passed, run.Failed, run.Errors = Summary(outcomes, len(problems) > 0)
	run.Message = strings.Join(problems, "; ")
	if run.Status == StatusError && run.Message == "" && len(run.Results) == 0 {
		run.Message = "no resource of the checked type was found"
	}
	run.FinishedAt = time.Now().UTC()
	file, err := s.runFile(ctx, orgID, c, run)
	if err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx store) error {
		// Two runs of one check (an agent's post and a person's "run now") record one after the other.
		var locked string
		if err := tx.QueryRow(ctx, `SELECT id FROM checks WHERE org_id = ? AND id = ?`+tx.ForUpdate(), orgID, c.ID).Scan(&locked); err != nil {
			return fmt.Errorf("lock check: %w", err)
		}
		cur, err := tx.Check(ctx, orgID, c.ID)
		if err != nil {
			return err
		}
		if err := tx.InsertRun(ctx, orgID, cur.ID, run); err != nil {
			return err
		}
		before := cur.Status
		cur.Status, cur.Passed, cur.Failed, cur.Errors, cur.LastRunAt = run.Status, run.Passed, run.Failed, run.Errors, &run.FinishedAt
		if run.Status == StatusPass && cur.AcceptedAt != nil {
			cur.AcceptedReason, cur.AcceptedAt, cur.AcceptedBy = "", nil, nil // passing again: a new failure needs a new decision
		}
		if file != nil {
			until := run.FinishedAt.Add(2 * max(cur.Interval(), time.Hour)).Format(time.DateOnly)
			eid, err := evidence.RecordCheckRun(ctx, tx.Tx, orgID, m, evidence.CheckRun{CheckID: cur.ID, Title: "Check " + cur.Ref + ": " + cur.Name,
				Description: "The runs of the automated check " + cur.Ref + ", one revision each, with the facts read and the verdict per resource.",
				ControlIDs:  cur.ControlIDs, File: *file, Effective: run.StartedAt.Format(time.DateOnly), ValidUntil: until,
				Comment: fmt.Sprintf("%s run: %s (%d passed, %d failed, %d errors)", trigger, run.Status, run.Passed, run.Failed, run.Errors)})
			if err != nil {
				return err
			}
			cur.EvidenceID = &eid
		}
		if err := tx.UpdateCheck(ctx, orgID, cur, false); err != nil {
			return err
		}
		// A run, whatever started it, restarts the check's schedule.
		if err := reschedule(ctx, tx, orgID, cur, run.FinishedAt.Add(cur.Interval())); err != nil {
			return err
		}
		if err := s.recomputeAttention(ctx, tx, orgID, cur.ControlIDs); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, orgID, m, "check.run", "check", cur.ID, cur.Ref, bulwark.Changes{
			"status": bulwark.Change{Before: before, After: run.Status}, "trigger": bulwark.Added(trigger),
			"passed": bulwark.Added(run.Passed), "failed": bulwark.Added(run.Failed), "errors": bulwark.Added(run.Errors), "run_id": bulwark.Added(run.ID)})
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// runFile writes a run's results as JSON into the blob store: the evidence an
// auditor downloads, with its SHA-256.
func (s *Service) runFile(ctx context.Context, orgID string, c *Check, run *Run) (*evidence.File, error) {
	if s.Blobs() == nil {
		return nil, nil
	}
	doc := map[string]any{"check": map[string]any{"ref": c.Ref, "name": c.Name, "rule": c.Rule, "kind": c.Kind, "resource_type": c.ResourceType, "builtin_key": c.BuiltinKey},
		"started_at": run.StartedAt, "finished_at": run.FinishedAt, "trigger": run.Trigger, "status": run.Status,
		"passed": run.Passed, "failed": run.Failed, "errors": run.Errors, "message": run.Message, "results": run.Results}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	obj, err := s.Blobs().PutBytes(ctx, orgID, b)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s-run-%s.json", strings.ToLower(c.Ref), run.StartedAt.Format("20060102T150405Z"))
	return &evidence.File{Filename: name, ContentType: "application/json", Size: obj.Size, SHA256: obj.SHA256}, nil
}

// TestResult is what a rule says of the last collected facts, before it is saved.
type TestResult struct {
	Collectors int      `json:"collectors"`
	Resources  int      `json:"resources"`
	Passed     int      `json:"passed"`
	Failed     int      `json:"failed"`
	Errors     int      `json:"errors"`
	Results    []Result `json:"results"`
}

// TestRule compiles a rule (a 422 with the compiler's message when it does not)
// and runs it on the facts the collectors of kind found last, storing nothing.
func (s *Service) TestRule(ctx context.Context, p *bulwark.Principal, kind, resourceType, rule, collectorID string) (*TestResult, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	r, err := compile(rule)
	if err != nil {
		return nil, err
	}
	out := &TestResult{Results: []Result{}}
	var facts [][]collect.Resource
	err = s.view(ctx, func(tx store) error {
		cols, err := tx.Collectors(ctx, p.Org.ID, kind, false)
		if err != nil {
			return err
		}
		for _, col := range cols {
			if collectorID != "" && col.ID != collectorID && col.Ref != strings.ToUpper(collectorID) {
				continue
			}
			rs, err := tx.Facts(ctx, p.Org.ID, col.ID)
			if err != nil {
				return err
			}
			facts = append(facts, rs)
		}
		return nil
	})
	// Judged after the read transaction: a slow rule holds no database connection.
	for _, rs := range facts {
		out.Collectors++
		res := evaluate(ctx, r, resourceType, rs)
		out.Resources += len(res)
		out.Results = append(out.Results, res...)
	}
	for _, r := range out.Results {
		switch r.Outcome {
		case StatusPass:
			out.Passed++
		case StatusFail:
			out.Failed++
		default:
			out.Errors++
		}
	}
	return out, err
}

// maxAgentResources caps what one agent post may hold.
const maxAgentResources = 1000

// PostFacts takes a host's facts from its agent (a token of scope agent, bound
// to one host collector), stores them and runs that host's enabled checks.
func (s *Service) PostFacts(ctx context.Context, p *bulwark.Principal, rs []collect.Resource) (*Collector, []*Run, error) {
	if err := app.Require(p, bulwark.PermAgentFacts); err != nil || p.TokenScope != bulwark.TokenScopeAgent {
		return nil, nil, bulwark.Errorf(bulwark.EFORBIDDEN, "Only an agent token posts host facts.")
	}
	if len(rs) == 0 || len(rs) > maxAgentResources {
		return nil, nil, bulwark.Invalid("resources", fmt.Sprintf("must hold from 1 to %d resources", maxAgentResources))
	}
	for i, r := range rs {
		if r.Type == "" || r.ID == "" || r.Facts == nil {
			return nil, nil, bulwark.Invalid("resources", fmt.Sprintf("resource %d needs a type, an id and facts", i+1))
		}
	}
	var col *Collector
	var checks []*Check
	err := s.write(ctx, func(tx store) error {
		var err error
		if col, err = tx.CollectorByToken(ctx, p.Org.ID, p.TokenID); err != nil {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "This agent token is bound to no live host collector.")
		}
		if err := tx.SetFacts(ctx, p.Org.ID, col.ID, rs, ""); err != nil {
			return err
		}
		yes := true
		if checks, err = tx.Checks(ctx, p.Org.ID, CheckFilter{Kind: collect.KindHost, Enabled: &yes, CollectorID: col.ID}); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "collector.facts", "collector", col.ID, col.Ref, bulwark.Changes{"resources": bulwark.Added(len(rs))})
	})
	if err != nil {
		return nil, nil, err
	}
	col.Resources = len(rs)
	var runs []*Run
	for _, c := range checks {
		run, err := s.run(ctx, p.Org.ID, c, TriggerAgent, app.MetaOf(p), onlyFor(c, col))
		if err != nil {
			return nil, nil, err
		}
		runs = append(runs, run)
	}
	return col, runs, nil
}

// onlyFor is col when c reads that collector alone; a check over every collector
// of its kind is judged on all their facts, so one host cannot hide another's failure.
func onlyFor(c *Check, col *Collector) *Collector {
	if c.CollectorID != nil {
		return col
	}
	return nil
}

// Collect runs a collector now, for a person, and then every enabled check that reads it.
func (s *Service) Collect(ctx context.Context, p *bulwark.Principal, id string) (*Collector, []*Run, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, nil, err
	}
	col, err := s.Collector(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	if col.ArchivedAt != nil {
		return nil, nil, bulwark.Errorf(bulwark.ECONFLICT, "%s is archived.", col.Ref)
	}
	if col.Kind != collect.KindHost {
		rs, cerr := s.collectNow(ctx, p.Org.ID, col)
		msg := ""
		if cerr != nil {
			msg = cerr.Error()
		}
		if err := s.write(ctx, func(tx store) error { return tx.SetFacts(ctx, p.Org.ID, col.ID, rs, msg) }); err != nil {
			return nil, nil, err
		}
	}
	yes := true
	checks, err := s.Checks(ctx, p, CheckFilter{Kind: col.Kind, Enabled: &yes, CollectorID: col.ID})
	if err != nil {
		return nil, nil, err
	}
	if col, err = s.Collector(ctx, p, col.ID); err != nil {
		return nil, nil, err
	}
	var runs []*Run
	for _, c := range checks {
		run, err := s.run(ctx, p.Org.ID, c, TriggerManual, app.MetaOf(p), onlyFor(c, col))
		if err != nil {
			return nil, nil, err
		}
		runs = append(runs, run)
	}
	return col, runs, nil
}

// SetPlan stores an uploaded Terraform plan or state (JSON) for a terraform collector.
func (s *Service) SetPlan(ctx context.Context, p *bulwark.Principal, id string, f *evidence.File) (*Collector, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	var out *Collector
	err := s.write(ctx, func(tx store) error {
		c, err := tx.Collector(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if c.Kind != collect.KindTerraform {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is a %s collector; plans are for terraform collectors.", c.Ref, c.Kind)
		}
		before := c.Config["sha256"]
		c.Config = map[string]string{"sha256": f.SHA256, "filename": f.Filename}
		if err := tx.UpdateCollector(ctx, p.Org.ID, c); err != nil {
			return err
		}
		out = c
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "collector.plan", "collector", c.ID, c.Ref, bulwark.Changes{"sha256": bulwark.Change{Before: before, After: f.SHA256}})
	})
	return out, err
}

// RecordFacts stores resources a person's tooling collected for a collector
// (the demo runs the real collectors itself) and runs the collector's enabled
// checks on them.
func (s *Service) RecordFacts(ctx context.Context, p *bulwark.Principal, id string, rs []collect.Resource) ([]*Run, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	col, err := s.Collector(ctx, p, id)
	if err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx store) error {
		if err := tx.SetFacts(ctx, p.Org.ID, col.ID, rs, ""); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "collector.facts", "collector", col.ID, col.Ref, bulwark.Changes{"resources": bulwark.Added(len(rs))})
	})
	if err != nil {
		return nil, err
	}
	if col, err = s.Collector(ctx, p, col.ID); err != nil {
		return nil, err
	}
	yes := true
	checks, err := s.Checks(ctx, p, CheckFilter{Kind: col.Kind, Enabled: &yes, CollectorID: col.ID})
	if err != nil {
		return nil, err
	}
	var runs []*Run
	for _, c := range checks {
		run, err := s.run(ctx, p.Org.ID, c, TriggerManual, app.MetaOf(p), onlyFor(c, col))
		if err != nil {
			return nil, err
		}
		runs = append(runs, run)
	}
	return runs, nil
}
