// Package checkrule compiles and runs check rules: one CEL expression
// (https://cel.dev) per check, evaluated against each resource a collector
// found (package collect), true meaning the resource passes.
//
// A rule sees three variables:
//
//	resource  map(string, dyn)  the resource's facts
//	type      string            the resource's type ("host", "aws_s3_bucket" …)
//	id        string            the resource's id
//
// Besides standard CEL (with has() for optional facts, e.g.
// `!has(resource.ssh) || resource.ssh.permit_root_login == "no"`), rules may use
// optional values (`resource.?ssh.?max_auth_tries.orValue(6) <= 4`), the string
// (lowerAscii, split, …), set (sets.contains …) and network (ip(), cidr())
// extensions, and compare int with double facts, so facts read back from JSON
// (numbers as float64 or json.Number) work like the collectors' int64.
//
// Rules are untrusted input. Expressions are capped at MaxExprLen bytes and
// their nesting depth. Each compiled rule is then guarded as much as it needs
// and no more, since tracking costs as much as evaluating: a rule without
// loops that uses only functions linear in their input runs unguarded (its
// work is bounded by its length times the size of the facts); a rule with
// loops is interrupted when the caller's context ends or after two seconds on
// one resource; a rule with nested loops or functions that grow strings and
// lists (replace, split, typed +) also runs under CEL's cost limit. + on facts
// of unknown type is refused at compile time, since CEL cannot charge it by
// size. A hostile rule can neither hang nor exhaust the server.
package checkrule

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"

	"github.com/bulwark-isms/bulwark/collect"
)

// Outcomes of evaluating a rule against a resource.
const (
	Pass  = "pass"  // the rule returned true
	Fail  = "fail"  // the rule returned false
	Error = "error" // the rule could not be decided: a missing fact, a wrong type, the budget spent
)

const (
	// MaxExprLen is the longest rule accepted, in bytes.
	MaxExprLen = 4096
	// costLimit bounds one evaluation, in CEL's abstract cost units (about one
	// per operation or per element visited). Realistic rules cost under 100;
	// a million lets a rule walk a few thousand list elements with room to
	// spare while stopping nested comprehensions built to explode.
	costLimit = 1_000_000
	// interruptEvery is how many comprehension iterations pass between checks
	// of the context.
	interruptEvery = 100
)

// Result is the outcome of one rule on one resource.
type Result struct {
	Outcome string `json:"outcome"`           // Pass, Fail or Error
	Message string `json:"message,omitempty"` // why, for Error: CEL's own message ("no such key: ssh")
}

// CompileError is a rule that does not compile; its message is the compiler's,
// with line and column, fit to show the rule's author (an API's 422).
type CompileError struct {
	Message string
}

// Error returns the compiler's message.
func (e *CompileError) Error() string { return e.Message }

// Rule is a compiled rule. It is immutable and safe for concurrent use.
type Rule struct {
	expr   string
	prg    cel.Program
	budget budget
}

// budget is how a rule's evaluation is bounded, decided at compile time
// (see classify): the cheaper the guard, the cheaper each evaluation.
type budget int

const (
	// budgetNone: no loops and only cheap functions, so the work is bounded
	// by the rule's length times the size of the facts. No tracking at all.
	budgetNone budget = iota
	// budgetTime: loops, not nested, over cheap functions: at worst quadratic
	// in the size of the facts. Interrupted when the context ends or the
	// resource's time (maxResourceTime) is up.
	budgetTime
	// budgetCost: nested loops, or functions that can grow strings and lists:
	// the cost limit as well as the time limit.
	budgetCost
)

// maxResourceTime bounds the time a resource's rules with loops may take
// together, whatever the caller's context allows. A variable for tests.
var maxResourceTime = 2 * time.Second

// errTooSlow is the cause given when maxResourceTime is up.
var errTooSlow = errors.New("evaluation took too long on this resource")

// env is the one CEL environment every rule compiles in.
var env = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("resource", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("type", cel.StringType),
		cel.Variable("id", cel.StringType),
		cel.OptionalTypes(),
		cel.CrossTypeNumericComparisons(true), // facts read back from JSON may be doubles
		ext.Strings(),
		ext.Sets(),
		ext.Network(),
		cel.ParserExpressionSizeLimit(MaxExprLen),
		cel.ParserRecursionLimit(64),
	)
})

// Compile parses and checks a rule. A rule that does not compile, is longer
// than MaxExprLen or whose type cannot be bool gives a *CompileError. A rule
// of type dyn (`resource.enabled`) compiles; a non-bool value at run time is
// then an Error result.
func Compile(expr string) (*Rule, error) {
	if len(expr) > MaxExprLen {
		return nil, &CompileError{Message: fmt.Sprintf("rule is %d bytes long; the limit is %d", len(expr), MaxExprLen)}
	}
	e, err := env()
	if err != nil {
		return nil, fmt.Errorf("checkrule: CEL environment: %w", err)
	}
	ast, iss := e.Compile(expr)
	if iss.Err() != nil {
		return nil, &CompileError{Message: iss.Err().Error()}
	}
	if t := ast.OutputType(); !t.IsExactType(types.BoolType) && !t.IsExactType(types.DynType) {
		return nil, &CompileError{Message: fmt.Sprintf("rule must produce a bool (true = pass), not %s", t)}
	}
	if err := checkConcatenation(ast.NativeRep(), expr); err != nil {
		return nil, err
	}
	if err := checkGrowth(ast.NativeRep()); err != nil {
		return nil, err
	}
	b := classify(ast.NativeRep())
	opts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize)}
	switch b {
	case budgetTime:
		opts = append(opts, cel.InterruptCheckFrequency(interruptEvery))
	case budgetCost:
		opts = append(opts, cel.CostLimit(costLimit), cel.InterruptCheckFrequency(interruptEvery))
	}
	prg, err := e.Program(ast, opts...)
	if err != nil {
		return nil, &CompileError{Message: err.Error()}
	}
	return &Rule{expr: expr, prg: prg, budget: b}, nil
}

// MustCompile is Compile for rules written in the program (built-in checks),
// panicking on an error.
func MustCompile(expr string) *Rule {
	r, err := Compile(expr)
	if err != nil {
		panic(fmt.Sprintf("checkrule: %q: %v", expr, err))
	}
	return r
}

// String returns the rule's expression.
func (r *Rule) String() string { return r.expr }

// Eval runs the rule against one resource. To run many rules against many
// resources use EvalAll, which prepares each resource once.
func (r *Rule) Eval(ctx context.Context, res collect.Resource) Result {
	return evalResource(ctx, []*Rule{r}, res, make([]Result, 0, 1))[0]
}

// EvalAll runs every rule against every resource and calls fn with each
// result: resource by resource in order and, for one resource, rule by rule.
// fn is only ever called from the calling goroutine, so it needs no locking.
//
// One activation per resource serves all rules, and resources are evaluated
// in batches on up to GOMAXPROCS goroutines. It stops early with the
// context's error when ctx ends.
func EvalAll(ctx context.Context, rules []*Rule, resources []collect.Resource, fn func(ruleIdx, resIdx int, r Result)) error {
	workers := runtime.GOMAXPROCS(0)
	if workers == 1 || len(resources) <= evalBatch || len(rules) == 0 {
		var results []Result
		for j := range resources {
			if err := ctx.Err(); err != nil {
				return err
			}
			results = evalResource(ctx, rules, resources[j], results[:0])
			for i, r := range results {
				fn(i, j, r)
			}
		}
		return nil
	}
	return evalParallel(ctx, rules, resources, fn, workers)
}

// evalBatch is how many resources a worker takes at a time: enough to make
// the hand-over cheap, few enough to keep the results in flight small.
const evalBatch = 256

type batch struct {
	start, end int
	results    []Result
	done       chan struct{}
}

// evalParallel evaluates batches on workers goroutines and hands the results
// to fn in order on the calling goroutine.
func evalParallel(ctx context.Context, rules []*Rule, resources []collect.Resource, fn func(int, int, Result), workers int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	inflight := 2 * workers
	free := make(chan *batch, inflight)
	for range inflight {
		free <- &batch{results: make([]Result, 0, evalBatch*len(rules))}
	}
	work := make(chan *batch)
	order := make(chan *batch, inflight) // batches in resource order, for the caller

	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range work {
				b.results = b.results[:0]
				for j := b.start; j < b.end && ctx.Err() == nil; j++ {
					b.results = evalResource(ctx, rules, resources[j], b.results)
				}
				close(b.done)
			}
		})
	}
	go func() {
		defer close(work)
		defer close(order)
		for start := 0; start < len(resources); start += evalBatch {
			var b *batch
			select {
			case b = <-free:
			case <-ctx.Done():
				return
			}
			b.start, b.end, b.done = start, min(start+evalBatch, len(resources)), make(chan struct{})
			order <- b // never blocks: at most inflight batches exist
			select {
			case work <- b:
			case <-ctx.Done():
				close(b.done)
				return
			}
		}
	}()

	var err error
	for b := range order {
		<-b.done
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			cancel() // and drain, so every goroutine ends before returning
			continue
		}
		k := 0
		for j := b.start; j < b.end; j++ {
			for i := range rules {
				fn(i, j, b.results[k])
				k++
			}
		}
		free <- b
	}
	wg.Wait()
	return err
}

// evalResource appends the result of every rule on res to out. Rules with
// loops share one execution frame bound to the resource's deadline, as
// ContextEval would build per call: setting up a context per evaluation
// costs more than most rules.
func evalResource(ctx context.Context, rules []*Rule, res collect.Resource, out []Result) []Result {
	act := newActivation(res)
	var (
		frame  *interpreter.ExecutionFrame
		rctx   = ctx
		cancel = func() {}
	)
	for _, r := range rules {
		if r.budget == budgetNone {
			v, _, err := r.prg.Eval(act)
			out = append(out, result(v, err))
			continue
		}
		if frame == nil {
			f, err := interpreter.NewExecutionFrame(act)
			if err != nil { // cannot happen with an *activation; fail the rule, not the process
				out = append(out, Result{Outcome: Error, Message: err.Error()})
				continue
			}
			rctx, cancel = context.WithTimeoutCause(ctx, maxResourceTime, errTooSlow)
			_ = f.SetContext(rctx, interruptEvery) // fails only for a child frame or a second call
			frame = f
		}
		frame.SetCostTracker(nil) // a fresh cost budget for each rule
		v, _, err := r.prg.Eval(frame)
		if err != nil && errors.Is(err, interpreter.InterruptError{}) {
			err = fmt.Errorf("%w: %w", err, context.Cause(rctx))
		}
		out = append(out, result(v, err))
	}
	if frame != nil {
		frame.Close()
	}
	cancel()
	return out
}

// result turns CEL's answer into a Result.
func result(out ref.Val, err error) Result {
	if err != nil {
		return Result{Outcome: Error, Message: err.Error()}
	}
	switch out {
	case types.True:
		return Result{Outcome: Pass}
	case types.False:
		return Result{Outcome: Fail}
	}
	return Result{Outcome: Error, Message: fmt.Sprintf("rule produced %s, not a bool", out.Type().(ref.Type).TypeName())}
}

// cheapFunctions are the operators and functions whose result is a bool, a
// number, an IP or no larger than their arguments, and whose work is at most
// linear in their arguments. A rule without loops that calls only these does
// work bounded by its length times the size of the facts, so it runs without
// cost tracking, which would otherwise double the price of every evaluation.
// Everything else — loops, concatenation, replace, split, join, format, set
// operations (quadratic) — runs under the cost limit and the context.
var cheapFunctions = map[string]bool{
	"_==_": true, "_!=_": true, "_<_": true, "_<=_": true, "_>_": true, "_>=_": true,
	"_&&_": true, "_||_": true, "!_": true, "_?_:_": true, "@in": true, "_[_]": true, "_[?_]": true, "_?._": true,
	"-_": true, "_-_": true, "_*_": true, "_/_": true, "_%_": true, "@not_strictly_false": true,
	"size": true, "contains": true, "startsWith": true, "endsWith": true,
	"lowerAscii": true, "upperAscii": true, "trim": true, "substring": true, "charAt": true,
	"int": true, "uint": true, "double": true, "string": true, "bool": true, "dyn": true, "type": true,
	"optional.of": true, "optional.ofNonZeroValue": true, "optional.none": true, "or": true, "orValue": true, "hasValue": true, "value": true,
	"ip": true, "cidr": true, "isIP": true, "isCIDR": true, "ip.isCanonical": true, "family": true, "isLoopback": true,
	"isUnspecified": true, "isGlobalUnicast": true, "isLinkLocalUnicast": true, "isLinkLocalMulticast": true,
	"containsIP": true, "containsCIDR": true, "prefixLength": true, "masked": true,
}

// growing are the functions whose result can be far larger than their
// arguments (replace a letter of a long fact by a long text; join a long list
// with a long separator). CEL charges a call's cost once it has returned, so the
// cost limit would see such a result only after the memory is spent: rules,
// which read facts and never need to build text, may not call them.
var growing = map[string]bool{"replace": true, "join": true, "format": true, "strings.quote": true}

// checkGrowth refuses calls to the growing functions.
func checkGrowth(a *celast.AST) error {
	for _, e := range celast.MatchDescendants(celast.NavigateAST(a), celast.KindMatcher(celast.CallKind)) {
		if name := e.AsCall().FunctionName(); growing[name] {
			return &CompileError{Message: name + "() is not available in check rules: a rule reads facts and compares them (==, contains, startsWith, matches, size …); it never needs to build text"}
		}
	}
	return nil
}

// classify decides a rule's budget from its checked form. Concatenation is
// not cheap — in a loop it can build a string or list per element as large as
// the rule likes — except where a macro appends to its own accumulator (map,
// filter, exists_one), a variable rules cannot name.
func classify(a *celast.AST) budget {
	all := celast.MatchDescendants(celast.NavigateAST(a), celast.AllMatcher())
	accumulators := map[string]bool{}
	for _, e := range all {
		if e.Kind() == celast.ComprehensionKind {
			accumulators[e.AsComprehension().AccuVar()] = true
		}
	}
	b := budgetNone
	for _, e := range all {
		switch e.Kind() {
		case celast.ComprehensionKind:
			c := e.AsComprehension()
			if hasComprehension(c.LoopCondition()) || hasComprehension(c.LoopStep()) {
				return budgetCost
			}
			b = budgetTime
		case celast.CallKind:
			call := e.AsCall()
			name := call.FunctionName()
			if name == "_+_" {
				if args := call.Args(); len(args) == 2 && args[0].Kind() == celast.IdentKind && accumulators[args[0].AsIdent()] {
					continue
				}
				return budgetCost
			}
			// A constant pattern is compiled once (OptOptimize) and matching is
			// linear in the text; a pattern taken from the facts is not.
			if name == "matches" {
				if args := call.Args(); len(args) > 0 && args[len(args)-1].Kind() == celast.LiteralKind {
					continue
				}
				return budgetCost
			}
			if !cheapFunctions[name] {
				return budgetCost
			}
		}
	}
	return b
}

func hasComprehension(e celast.Expr) bool {
	found := false
	celast.PreOrderVisit(e, celast.NewExprVisitor(func(x celast.Expr) {
		found = found || x.Kind() == celast.ComprehensionKind
	}))
	return found
}

// checkConcatenation refuses + on operands whose type the checker cannot
// know (facts are dyn). CEL's cost tracking charges such an addition as one
// unit whatever the sizes, so a rule could build huge strings or lists inside
// a loop without reaching the cost limit; with types stated (string(x) + …),
// it is charged by size.
func checkConcatenation(a *celast.AST, expr string) error {
	for _, e := range celast.MatchDescendants(celast.NavigateAST(a), celast.KindMatcher(celast.CallKind)) {
		if e.AsCall().FunctionName() != "_+_" || len(a.GetOverloadIDs(e.ID())) <= 1 {
			continue
		}
		// Reported as the compiler reports its own errors, with the place marked.
		errs := common.NewErrors(common.NewTextSource(expr))
		errs.ReportErrorAtID(e.ID(), a.SourceInfo().GetStartLocation(e.ID()),
			"+ needs operands of known type: convert facts with string(), int(), double() or list(), e.g. string(resource.name) + \"-suffix\"")
		return &CompileError{Message: errs.ToDisplayString()}
	}
	return nil
}

// activation resolves the three rule variables for one resource; one serves
// every rule evaluated on that resource.
type activation struct {
	resource any // map[string]any
	typ, id  ref.Val
}

// ResolveName implements interpreter.Activation.
func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "resource":
		return a.resource, true
	case "type":
		return a.typ, true
	case "id":
		return a.id, true
	}
	return nil, false
}

// Parent implements interpreter.Activation: there is no outer scope.
func (a *activation) Parent() interpreter.Activation { return nil }

// newActivation binds a resource for evaluation. The facts map is handed to
// CEL as it is: CEL reads Go's map[string]any natively, field by field, and
// converts only the values a rule touches, which is far cheaper than copying
// every fact into CEL values up front. Facts must form a tree (as anything
// decoded from JSON does).
func newActivation(res collect.Resource) *activation {
	facts := res.Facts
	if facts == nil {
		facts = map[string]any{}
	}
	return &activation{resource: facts, typ: types.String(res.Type), id: types.String(res.ID)}
}
