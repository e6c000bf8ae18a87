// Package monitoring is continuous control monitoring (9.1, A.5.36 and the
// technological controls): collectors that gather facts about real systems,
// checks written in CEL over those facts, each run kept as history and as a
// revision of the check's evidence, and the controls a failing check concerns
// flagged for a person's attention — never their status changed, since the
// verdict stays with people.
package monitoring

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/checkrule"
	"github.com/bulwark-isms/bulwark/collect"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Service is the monitoring area's operations: each checks the principal's
// permission, stays inside its organisation and writes its audit entry in the
// same transaction as the change.
type Service struct {
	*app.Service
	allow    *collect.Allow
	allowErr error
}

// New returns the monitoring area's service over the kernel's, registering the
// built-in checks every organisation starts with and the job that runs due checks.
func New(k *app.Service) *Service {
	s := &Service{Service: k}
	s.allow, s.allowErr = collect.ParseAllow(k.CollectorAllow())
	k.AddSeeder(seed)
	k.AddJob(JobKind, s.runJob)
	return s
}

func (s *Service) write(ctx context.Context, fn func(tx store) error) error {
	return s.DB.Write(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

func (s *Service) view(ctx context.Context, fn func(tx store) error) error {
	return s.DB.View(ctx, func(tx *sqlstore.Tx) error { return fn(store{tx}) })
}

// seed gives a new organisation the built-in checks, disabled until a collector
// of their kind is configured.
func seed(ctx context.Context, tx *sqlstore.Tx, orgID string) error {
	st := store{tx}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM checks WHERE org_id = ? AND builtin_key <> ''`, orgID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	ids, err := controlIDsByRef(ctx, tx, orgID)
	if err != nil {
		return err
	}
	for _, b := range collect.Builtins() {
		c := &Check{BuiltinKey: b.Key, Name: b.Name, Description: b.Description, Kind: b.Kind, ResourceType: b.ResourceType, Rule: b.Rule, Schedule: "daily", ControlIDs: []string{}}
		for _, ref := range b.Controls {
			if id := ids[ref]; id != "" && !slices.Contains(c.ControlIDs, id) {
				c.ControlIDs = append(c.ControlIDs, id)
			}
		}
		if err := st.InsertCheck(ctx, orgID, "", c); err != nil {
			return fmt.Errorf("seed check %s: %w", b.Key, err)
		}
	}
	return nil
}

func controlIDsByRef(ctx context.Context, tx *sqlstore.Tx, orgID string) (map[string]string, error) {
	rows, err := tx.Query(ctx, `SELECT ref, id FROM controls WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var ref, id string
		if err := rows.Scan(&ref, &id); err != nil {
			return nil, err
		}
		out[ref] = id
	}
	return out, rows.Err()
}

// BackfillSeeds gives organisations created before monitoring existed the built-in checks.
var BackfillSeeds = sqlstore.Migration{Version: 20261204110100, Name: "backfill_builtin_checks", Go: func(ctx context.Context, tx *sqlstore.Tx) error {
	orgs, err := tx.Organisations(ctx)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if err := seed(ctx, tx, o.ID); err != nil {
			return err
		}
	}
	return nil
}}

// CollectorInput is what a person sets on a collector; nil fields stay.
type CollectorInput struct {
	Kind, Name       *string
	Config           *map[string]string
	ConnectionString *string
}

// CreateCollector adds a collector target. The first of a kind turns on the
// built-in checks of that kind nobody has touched yet.
func (s *Service) CreateCollector(ctx context.Context, p *bulwark.Principal, in CollectorInput) (*Collector, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	c := &Collector{Kind: strings.TrimSpace(bulwark.Value(in.Kind)), Name: strings.TrimSpace(bulwark.Value(in.Name)), Config: map[string]string{}}
	if in.Config != nil {
		c.Config = cleanConfig(*in.Config)
	}
	secret := strings.TrimSpace(bulwark.Value(in.ConnectionString))
	if secret != "" && c.Kind != collect.KindPostgres {
		return nil, bulwark.Invalid("connection_string", "is only for a postgres collector")
	}
	if err := c.Validate(secret); err != nil {
		return nil, err
	}
	if err := s.sealInto(p.Org.ID, c, secret); err != nil {
		return nil, err
	}
	err := s.write(ctx, func(tx store) error {
		if err := tx.InsertCollector(ctx, p.Org.ID, p.MemberID, c); err != nil {
			return err
		}
		// Built-in checks of this kind start now, unless someone already decided about them.
		res, err := tx.Exec(ctx, `UPDATE checks SET enabled = TRUE, version = version + 1, updated_at = ? WHERE org_id = ? AND kind = ? AND builtin_key <> ''
			AND version = 1 AND NOT enabled AND archived_at IS NULL`, tx.Now(), p.Org.ID, c.Kind)
		if err != nil {
			return err
		}
		enabled, _ := res.RowsAffected()
		if err := scheduleKind(ctx, tx, p.Org.ID, c.Kind); err != nil {
			return err
		}
		ch := bulwark.Changes{"kind": bulwark.Added(c.Kind), "name": bulwark.Added(c.Name), "config": bulwark.Added(c.Config)}
		if secret != "" {
			ch["connection_string"] = bulwark.Added("(encrypted)")
		}
		if enabled > 0 {
			ch["builtin_checks_enabled"] = bulwark.Added(enabled)
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "collector.create", "collector", c.ID, c.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func cleanConfig(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if v = strings.TrimSpace(v); v != "" {
			out[strings.TrimSpace(k)] = v
		}
	}
	return out
}

// sealInto encrypts a postgres connection string onto c.
func (s *Service) sealInto(orgID string, c *Collector, secret string) error {
	if secret == "" {
		return nil
	}
	sealed, err := s.Seal(orgID, []byte(secret))
	if err != nil {
		return err
	}
	c.secret = &sealed
	if u, err := url.Parse(secret); err == nil { // what the page may show: where, never who or the password
		c.Config["server"] = u.Host + u.Path
	}
	return nil
}

// UpdateCollector changes a collector's name, settings or connection string, or archives it.
func (s *Service) UpdateCollector(ctx context.Context, p *bulwark.Principal, id string, in CollectorInput, expect *int, archive *bool) (*Collector, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	var out *Collector
	err := s.write(ctx, func(tx store) error {
		c, err := tx.Collector(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if expect != nil && *expect != c.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is at version %d, not %d: reload and try again.", c.Ref, c.Version, *expect)
		}
		if in.Kind != nil && *in.Kind != c.Kind {
			return bulwark.Invalid("kind", "cannot change: add another collector")
		}
		ch := bulwark.Changes{}
		if in.Name != nil {
			n := strings.TrimSpace(*in.Name)
			app.Set(ch, "name", &c.Name, &n)
		}
		if in.Config != nil {
			cfg := cleanConfig(*in.Config)
			if server, ok := c.Config["server"]; ok {
				cfg["server"] = server
			}
			ch["config"] = bulwark.Change{Before: c.Config, After: cfg}
			c.Config = cfg
		}
		secret := strings.TrimSpace(bulwark.Value(in.ConnectionString))
		if secret != "" && c.Kind != collect.KindPostgres {
			return bulwark.Invalid("connection_string", "is only for a postgres collector")
		}
		server := c.Config["server"]
		delete(c.Config, "server")
		if err := c.Validate(secret); err != nil {
			return err
		}
		if server != "" {
			c.Config["server"] = server
		}
		if secret != "" {
			if err := s.sealInto(p.Org.ID, c, secret); err != nil {
				return err
			}
			ch["connection_string"] = bulwark.Change{After: "(encrypted)"}
		}
		action := "collector.update"
		if archive != nil && *archive != (c.ArchivedAt != nil) {
			if *archive {
				now := tx.Now()
				c.ArchivedAt, action = &now, "collector.archive"
				c.agentTokenID = nil // an archived host takes no more facts
				if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE org_id = ? AND id IN (SELECT agent_token_id FROM collectors WHERE org_id = ? AND id = ?)`,
					tx.Now(), p.Org.ID, p.Org.ID, c.ID); err != nil {
					return err
				}
			} else {
				c.ArchivedAt, action = nil, "collector.restore"
			}
		}
		if len(ch) == 0 && action == "collector.update" {
			out = c
			return nil
		}
		if err := tx.UpdateCollector(ctx, p.Org.ID, c); err != nil {
			return err
		}
		out = c
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), action, "collector", c.ID, c.Ref, ch)
	})
	return out, err
}

// Collector returns one collector (by id or ref).
func (s *Service) Collector(ctx context.Context, p *bulwark.Principal, id string) (*Collector, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Collector
	err := s.view(ctx, func(tx store) error {
		var err error
		out, err = tx.Collector(ctx, p.Org.ID, id)
		return err
	})
	return out, err
}

// Collectors lists the organisation's collectors.
func (s *Service) Collectors(ctx context.Context, p *bulwark.Principal, kind string, archived bool) ([]*Collector, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Collector
	err := s.view(ctx, func(tx store) error {
		var err error
		out, err = tx.Collectors(ctx, p.Org.ID, kind, archived)
		return err
	})
	return out, err
}

// Facts returns what a collector found last.
func (s *Service) Facts(ctx context.Context, p *bulwark.Principal, id string) (*Collector, []collect.Resource, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, nil, err
	}
	var c *Collector
	var rs []collect.Resource
	err := s.view(ctx, func(tx store) error {
		var err error
		if c, err = tx.Collector(ctx, p.Org.ID, id); err != nil {
			return err
		}
		rs, err = tx.Facts(ctx, p.Org.ID, c.ID)
		return err
	})
	if rs == nil {
		rs = []collect.Resource{}
	}
	return c, rs, err
}

// AgentToken issues a token of scope agent for a host collector: the agent
// posts that host's facts with it and can do nothing else. A new token replaces
// (revokes) the collector's previous one.
func (s *Service) AgentToken(ctx context.Context, p *bulwark.Principal, memberID, collectorID, name string) (*bulwark.APIToken, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil && !p.System {
		return nil, err
	}
	c, err := s.Collector(ctx, p, collectorID)
	if err != nil {
		return nil, err
	}
	if c.Kind != collect.KindHost {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "%s is a %s collector; agent tokens are for host collectors.", c.Ref, c.Kind)
	}
	if c.ArchivedAt != nil {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "%s is archived.", c.Ref)
	}
	if strings.TrimSpace(name) == "" {
		name = "agent for " + c.Ref + " " + c.Name
	}
	return s.CreateAgentToken(ctx, p, memberID, name, func(ctx context.Context, tx *sqlstore.Tx, tokenID string) error {
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE org_id = ? AND revoked_at IS NULL AND id IN (SELECT agent_token_id FROM collectors WHERE org_id = ? AND id = ?)`,
			tx.Now(), p.Org.ID, p.Org.ID, c.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE collectors SET agent_token_id = ?, version = version + 1, updated_at = ? WHERE org_id = ? AND id = ?`, tokenID, tx.Now(), p.Org.ID, c.ID); err != nil {
			return err
		}
		return app.Audit(ctx, tx, p.Org.ID, app.MetaOf(p), "collector.agent_token", "collector", c.ID, c.Ref, bulwark.Changes{"agent_token_id": bulwark.Added(tokenID)})
	})
}

// CheckInput is what a person sets on a check; nil fields stay.
type CheckInput struct {
	Name, Description, Kind, ResourceType, Rule, Schedule *string
	ControlIDs                                            *[]string
	CollectorID                                           **string
	Enabled                                               *bool
}

// apply copies the input onto c and returns what changed.
func (in CheckInput) apply(c *Check) bulwark.Changes {
	ch := bulwark.Changes{}
	for _, f := range []struct {
		name string
		dst  *string
		v    *string
	}{{"name", &c.Name, in.Name}, {"description", &c.Description, in.Description}, {"kind", &c.Kind, in.Kind},
		{"resource_type", &c.ResourceType, in.ResourceType}, {"rule", &c.Rule, in.Rule}, {"schedule", &c.Schedule, in.Schedule}} {
		if f.v != nil {
			v := strings.TrimSpace(*f.v)
			if f.name == "description" || f.name == "rule" {
				v = strings.ReplaceAll(*f.v, "\r\n", "\n")
			}
			app.Set(ch, f.name, f.dst, &v)
		}
	}
	app.Set(ch, "enabled", &c.Enabled, in.Enabled)
	app.SetOpt(ch, "collector_id", &c.CollectorID, in.CollectorID)
	if in.ControlIDs != nil {
		ids := uniq(*in.ControlIDs)
		cur := slices.Clone(c.ControlIDs)
		slices.Sort(cur)
		if !slices.Equal(ids, cur) {
			ch["control_ids"] = bulwark.Change{Before: cur, After: ids}
			c.ControlIDs = ids
		}
	}
	return ch
}

func uniq(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// compile compiles a rule, turning the compiler's complaint into a 422 on rule.
func compile(rule string) (*checkrule.Rule, error) {
	r, err := checkrule.Compile(rule)
	if err != nil {
		return nil, bulwark.Invalid("rule", "does not compile: "+err.Error())
	}
	return r, nil
}

// validateCheck checks c, its rule and that its links are the organisation's.
func validateCheck(ctx context.Context, tx store, orgID string, c *Check) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if _, err := compile(c.Rule); err != nil {
		return err
	}
	if len(c.ControlIDs) > 0 {
		in, list := tx.InList("id", c.ControlIDs)
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM controls WHERE org_id = ? AND `+in, orgID, list).Scan(&n); err != nil {
			return err
		}
		if n != len(c.ControlIDs) {
			return bulwark.Invalid("control_ids", "names a control that is not this organisation's")
		}
	}
	if c.CollectorID != nil {
		col, err := tx.Collector(ctx, orgID, *c.CollectorID)
		if err != nil {
			return bulwark.Invalid("collector_id", "is not one of this organisation's collectors")
		}
		if col.Kind != c.Kind {
			return bulwark.Invalid("collector_id", "is a "+col.Kind+" collector; this check reads "+c.Kind)
		}
		c.CollectorID = &col.ID
	}
	return nil
}

// CreateCheck adds an organisation's own check.
func (s *Service) CreateCheck(ctx context.Context, p *bulwark.Principal, in CheckInput) (*Check, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	c := &Check{Schedule: "daily", ControlIDs: []string{}, Enabled: true}
	ch := in.apply(c)
	err := s.write(ctx, func(tx store) error {
		if err := validateCheck(ctx, tx, p.Org.ID, c); err != nil {
			return err
		}
		if err := tx.InsertCheck(ctx, p.Org.ID, p.MemberID, c); err != nil {
			return err
		}
		if err := reschedule(ctx, tx, p.Org.ID, c, tx.Now()); err != nil {
			return err
		}
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "check.create", "check", c.ID, c.Ref, ch)
	})
	if err != nil {
		return nil, err
	}
	return s.Check(ctx, p, c.ID)
}

// UpdateCheck changes a check, records why its failure is accepted, or archives it.
// A built-in check's rule, kind and type stay as shipped: copy it to change them.
func (s *Service) UpdateCheck(ctx context.Context, p *bulwark.Principal, id string, in CheckInput, expect *int, archive *bool) (*Check, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	var out *Check
	err := s.write(ctx, func(tx store) error {
		c, err := tx.Check(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if expect != nil && *expect != c.Version {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is at version %d, not %d: reload and try again.", c.Ref, c.Version, *expect)
		}
		before := *c
		ch := in.apply(c)
		if c.Builtin {
			for _, f := range []string{"rule", "kind", "resource_type"} {
				if _, ok := ch[f]; ok {
					return bulwark.Invalid(f, "of a built-in check stays as shipped: create your own check from its rule to change it")
				}
			}
		}
		if err := validateCheck(ctx, tx, p.Org.ID, c); err != nil {
			return err
		}
		action := "check.update"
		if archive != nil && *archive != (c.ArchivedAt != nil) {
			if *archive {
				now := tx.Now()
				c.ArchivedAt, action = &now, "check.archive"
			} else {
				c.ArchivedAt, action = nil, "check.restore"
			}
		}
		if len(ch) == 0 && action == "check.update" {
			out = c
			return nil
		}
		_, links := ch["control_ids"]
		if err := tx.UpdateCheck(ctx, p.Org.ID, c, links); err != nil {
			return err
		}
		if err := reschedule(ctx, tx, p.Org.ID, c, tx.Now()); err != nil {
			return err
		}
		if err := s.recomputeAttention(ctx, tx, p.Org.ID, append(slices.Clone(before.ControlIDs), c.ControlIDs...)); err != nil {
			return err
		}
		out = c
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), action, "check", c.ID, c.Ref, ch)
	})
	return out, err
}

// Accept records why a failing check's result is accepted: its controls stop
// needing attention until the check passes again (then fails anew).
func (s *Service) Accept(ctx context.Context, p *bulwark.Principal, id, reason string) (*Check, error) {
	if err := app.Require(p, bulwark.PermISMSEdit); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, bulwark.Invalid("reason", "is required: say why the result is accepted (a compensating control, a planned fix with its date …)")
	}
	var out *Check
	err := s.write(ctx, func(tx store) error {
		c, err := tx.Check(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if c.Status != StatusFail && c.Status != StatusError {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is %s: there is no failure to accept.", c.Ref, c.Status)
		}
		now := tx.Now()
		member := p.MemberID
		c.AcceptedReason, c.AcceptedAt, c.AcceptedBy = reason, &now, nullable(member)
		if err := tx.UpdateCheck(ctx, p.Org.ID, c, false); err != nil {
			return err
		}
		if err := s.recomputeAttention(ctx, tx, p.Org.ID, c.ControlIDs); err != nil {
			return err
		}
		out = c
		return app.Audit(ctx, tx.Tx, p.Org.ID, app.MetaOf(p), "check.accept", "check", c.ID, c.Ref, bulwark.Changes{"accepted_reason": bulwark.Added(reason)})
	})
	return out, err
}

// Check returns one check (by id or ref).
func (s *Service) Check(ctx context.Context, p *bulwark.Principal, id string) (*Check, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Check
	err := s.view(ctx, func(tx store) error {
		var err error
		out, err = tx.Check(ctx, p.Org.ID, id)
		return err
	})
	return out, err
}

// Checks lists the organisation's checks.
func (s *Service) Checks(ctx context.Context, p *bulwark.Principal, f CheckFilter) ([]*Check, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Check
	err := s.view(ctx, func(tx store) error {
		var err error
		out, err = tx.Checks(ctx, p.Org.ID, f)
		return err
	})
	return out, err
}

// Runs lists a check's latest runs.
func (s *Service) Runs(ctx context.Context, p *bulwark.Principal, id string, limit int) (*Check, []*Run, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, nil, err
	}
	var c *Check
	var runs []*Run
	err := s.view(ctx, func(tx store) error {
		var err error
		if c, err = tx.Check(ctx, p.Org.ID, id); err != nil {
			return err
		}
		runs, err = tx.Runs(ctx, p.Org.ID, c.ID, limit)
		return err
	})
	return c, runs, err
}

// RunResults returns one run of a check with its results.
func (s *Service) RunResults(ctx context.Context, p *bulwark.Principal, id, runID string) (*Run, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Run
	err := s.view(ctx, func(tx store) error {
		c, err := tx.Check(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		runs, err := tx.Runs(ctx, p.Org.ID, c.ID, 1000)
		if err != nil {
			return err
		}
		for _, r := range runs {
			if r.ID == runID {
				out = r
			}
		}
		if out == nil {
			return bulwark.Errorf(bulwark.ENOTFOUND, "No such run.")
		}
		out.Results, err = tx.Results(ctx, p.Org.ID, c.ID, runID)
		return err
	})
	return out, err
}

// recomputeAttention sets needs_attention on controlIDs from their checks.
func (s *Service) recomputeAttention(ctx context.Context, tx store, orgID string, controlIDs []string) error {
	ids := uniq(controlIDs)
	if len(ids) == 0 {
		return nil
	}
	flags := map[string]bool{}
	for _, id := range ids {
		flags[id] = false
	}
	in, list := tx.InList("cc.control_id", ids)
	rows, err := tx.Query(ctx, `SELECT DISTINCT cc.control_id FROM check_controls cc JOIN checks k ON k.org_id = cc.org_id AND k.id = cc.check_id
		WHERE cc.org_id = ? AND `+in+` AND k.enabled AND k.archived_at IS NULL AND k.status IN ('fail', 'error') AND k.accepted_at IS NULL`, orgID, list)
	if err != nil {
		return fmt.Errorf("control attention: %w", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		flags[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return controls.SetNeedsAttention(ctx, tx.Tx, orgID, flags)
}
