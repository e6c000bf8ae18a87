package coverage

import (
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/field"
)

// Readiness states of a line.
const (
	Ready     = "ok"           // what the auditor checks is there
	Missing   = "missing"      // it is not, or not approved: the line says what to do
	NotYet    = "not_assessed" // the module that would answer it is not built yet
	readiness = "readiness"
)

// Line is one thing an ISO/IEC 27001 certification auditor checks, as Bulwark can tell from its records.
type Line struct {
	Section string `json:"section"` // mandatory documented information, controls, risks, statement of applicability
	Clause  string `json:"clause"`  // the clause it answers, "" for Annex A as a whole
	Title   string `json:"title"`
	State   string `json:"state"`  // ok, missing, not_assessed
	Detail  string `json:"detail"` // what is missing, in words, or why it cannot be assessed yet
	Link    string `json:"link"`   // where it is fixed, relative to the organisation (/risks?…)
}

// ReadinessReport is every line, with how many are ok.
type ReadinessReport struct {
	Lines       []Line            `json:"lines"`
	Counts      map[string]int    `json:"counts"`
	Percent     int               `json:"percent"` // ok among the lines that can be assessed
	ClauseState map[string]string `json:"-"`
}

// ReadinessEntity is the report as the API answers with it.
var ReadinessEntity = field.FromStruct("Readiness", ReadinessReport{})

// ReadinessInput is what the registers say, counted.
type ReadinessInput struct {
	// Clauses are the catalog's clauses of ISO/IEC 27001 with their mandatory documented information ("yes: …").
	Clauses []ClauseInfo
	// Controls.
	Controls, NotStarted, NoOwner, NoReason int // applicable controls (no owner, no inclusion reason); not started: any
	// The Statement of Applicability: its live status and last approved revision (0 when none).
	SoAStatus   string
	SoARevision int
	// Risks.
	Risks, RiskNoOwner, RiskUnscored, RiskNoTreatment, RiskAwaitingSignOff int
	MethodologyApproved                                                    bool
	// Documents: published ones, those overdue for review, and the clauses a published document answers.
	Documents, DocumentsOverdue int
	DocumentFor                 map[string]bool // clause ref (5.2) → a current published document is linked to it
	// Acknowledgement of the current major revisions: people asked and who acknowledged.
	AckAsked, AckDone int
	// Training: active campaigns' current cycles, and people with a passed record.
	Campaigns, TrainingAssigned, TrainingCompleted, TrainingOverdue, PeopleTrained int
	// Evidence: live items, the stale ones, and implemented controls no current evidence proves.
	Evidence, EvidenceStale, ImplementedControls, ControlsWithoutEvidence int
	// Objectives (6.2) and their metrics (9.1): live objectives, without an owner or a metric; metrics, measured, stale.
	Objectives, ObjectivesNoOwner, ObjectivesNoMetric, Metrics, MetricsMeasured, MetricsStale int
	// Internal audits closed in the last 12 months, and the clauses none of them covered (9.2).
	AuditsCompleted int
	AuditUncovered  []string
	// The latest approved management review: its day ("" for none), and whether it holds every input (9.3).
	ReviewLast     string
	ReviewComplete bool
	Today          string // the organisation's date, for the twelve months the lines look back
	// Nonconformities open, and open past their due date without a recorded reason (10.2).
	NCOpen, NCPastDue int
	// Context (4.1, 4.2): live issues and those due for review; interested parties and their requirements.
	ContextIssues, IssuesReviewDue, InterestedParties, PartyRequirements int
	// The scope statement (4.3): its live state and last approved revision (0 when none).
	ScopeStatus   string
	ScopeRevision int
	// The obligations register (A.5.31): active obligations, and those past their review date.
	Obligations, ObligationsPastReview int
	// Incidents (A.5.24–5.27): recorded, and closed ones whose level needs lessons learned, with them.
	Incidents, ClosedNeedingLessons, ClosedWithLessons int
	// Suppliers (A.5.19–5.22): tier-1 suppliers, and those with a current certificate or accepted questionnaire.
	Tier1Suppliers, Tier1Assured int
}

// ClauseInfo is a clause of ISO/IEC 27001 and the documented information it mandates ("" when none).
type ClauseInfo struct {
	Ref, Title, Mandates string
	Heading              bool
}

// BuildReadiness works out the lines from the registers' counts. Each line that modules still to come would
// answer (documents, objectives, competence, audits, reviews …) says not_assessed rather than guessing.
func BuildReadiness(in ReadinessInput) *ReadinessReport {
	rep := &ReadinessReport{Counts: map[string]int{Ready: 0, Missing: 0, NotYet: 0}, ClauseState: map[string]string{}}
	add := func(l Line) {
		rep.Lines = append(rep.Lines, l)
		rep.Counts[l.State]++
		if l.Clause != "" {
			// A clause is ok when all its lines are; missing as soon as one is.
			switch cur := rep.ClauseState[l.Clause]; {
			case cur == "" || cur == Ready && l.State != Ready || cur == NotYet && l.State == Missing:
				rep.ClauseState[l.Clause] = l.State
			}
		}
	}
	check := func(ok bool) string {
		if ok {
			return Ready
		}
		return Missing
	}
	soaApproved := in.SoAStatus == "approved"
	const docs = "Mandatory documented information"
	for _, c := range in.Clauses {
		what, mandated := strings.CutPrefix(c.Mandates, "yes: ")
		if c.Heading || !mandated {
			continue
		}
		l := Line{Section: docs, Clause: c.Ref, Title: c.Ref + " " + c.Title + ": " + what, State: NotYet}
		switch c.Ref {
		case "6.1.2":
			l.State, l.Link = check(in.MethodologyApproved), "/risk-methodology"
			l.Detail = "The risk methodology (criteria for assessing and accepting risks) is approved."
			if !in.MethodologyApproved {
				l.Detail = "No version of the risk methodology is approved yet: an owner or admin approves it."
			}
		case "6.1.3":
			ok := soaApproved && in.RiskNoTreatment == 0
			l.State, l.Link = check(ok), "/soa"
			l.Detail = fmt.Sprintf("The Statement of Applicability is approved (revision %d) and every assessed risk has a treatment in the plan.", in.SoARevision)
			if !ok {
				var why []string
				if !soaApproved {
					why = append(why, "the Statement of Applicability is not approved in its current form")
				}
				if in.RiskNoTreatment > 0 {
					why = append(why, bulwark.Plural(in.RiskNoTreatment, "assessed risk")+" without a treatment")
				}
				l.Detail = upperFirst(strings.Join(why, "; ")) + "."
			}
		case "8.2":
			ok := in.Risks > 0 && in.RiskUnscored == 0
			l.State, l.Link = check(ok), "/risks"
			l.Detail = bulwark.Plural(in.Risks, "risk") + " assessed with the approved methodology."
			if in.Risks == 0 {
				l.Detail = "The risk register is empty: assess the risks to the information in scope."
			} else if in.RiskUnscored > 0 {
				l.Detail = bulwark.Plural(in.RiskUnscored, "risk") + " not scored yet."
			}
		case "8.3":
			ok := in.Risks > 0 && in.RiskAwaitingSignOff == 0
			l.State, l.Link = check(ok), "/risks/treatment-plan"
			l.Detail = "Every treated risk is signed off by its owner."
			if in.Risks == 0 {
				l.Detail = "No risk has been treated yet."
			} else if in.RiskAwaitingSignOff > 0 {
				l.Detail = bulwark.Plural(in.RiskAwaitingSignOff, "treated risk") + " still waiting for the risk owner's sign-off."
			}
		case "6.2":
			ok := in.Objectives > 0 && in.ObjectivesNoOwner == 0 && in.ObjectivesNoMetric == 0
			l.State, l.Link = check(ok), "/objectives"
			l.Detail = bulwark.Plural(in.Objectives, "security objective") + ", each with an owner and a metric."
			switch {
			case in.Objectives == 0:
				l.Detail, l.Link = "No security objective is set yet: set measurable objectives, each with an owner, a deadline and a metric.", "/objectives/new"
			case in.ObjectivesNoOwner > 0 || in.ObjectivesNoMetric > 0:
				var why []string
				if in.ObjectivesNoOwner > 0 {
					why = append(why, bulwark.Plural(in.ObjectivesNoOwner, "objective")+" without an owner")
				}
				if in.ObjectivesNoMetric > 0 {
					why = append(why, bulwark.Plural(in.ObjectivesNoMetric, "objective")+" without a metric")
				}
				l.Detail = upperFirst(strings.Join(why, "; ")) + "."
			}
		case "9.2.2":
			ok := in.AuditsCompleted > 0 && len(in.AuditUncovered) == 0
			l.State, l.Link = check(ok), "/audits"
			l.Detail = "Internal audits closed in the last 12 months cover every clause of 4–10."
			switch {
			case in.AuditsCompleted == 0:
				l.Detail = "No internal audit was completed in the last 12 months: plan one over the ISMS, hold it from its checklist and close it with its conclusion."
			case len(in.AuditUncovered) > 0:
				l.Detail = "The internal audits closed in the last 12 months did not cover clause " + strings.Join(in.AuditUncovered, ", ") + "."
			}
		case "9.3.3":
			recent := in.ReviewLast != "" && in.ReviewLast >= yearBefore(in.Today)
			l.State, l.Link = check(recent && in.ReviewComplete), "/management-reviews"
			l.Detail = "A management review was approved for " + in.ReviewLast + ", with every input of 9.3.2."
			switch {
			case in.ReviewLast == "":
				l.Detail = "No management review is approved yet: prepare one (its inputs fill in from the registers), hold it and have its minutes approved."
			case !recent:
				l.Detail = "The last approved management review was held on " + in.ReviewLast + ", more than 12 months ago."
			case !in.ReviewComplete:
				l.Detail = "The last approved management review lacks some of the inputs 9.3.2 lists."
			}
		case "10.2":
			l.State, l.Link = check(in.NCPastDue == 0), "/nonconformities?open=true"
			l.Detail = ncCount(in.NCOpen, "open ") + ", none past its due date without a recorded reason."
			if in.NCPastDue > 0 {
				l.Detail = ncCount(in.NCPastDue, "") + " open past the due date with no reason recorded: close them, or record why they are late."
			}
		case "4.3":
			l.State, l.Link = check(in.ScopeStatus == "approved"), "/scope"
			l.Detail = fmt.Sprintf("The scope statement is approved (revision %d) and unchanged since.", in.ScopeRevision)
			switch {
			case in.ScopeRevision == 0:
				l.Detail = "The scope statement has never been approved: write its boundaries, interfaces and exclusions, submit it, and have an owner or admin approve it."
			case in.ScopeStatus != "approved":
				l.Detail = fmt.Sprintf("The scope changed since revision %d was approved: submit it again for approval.", in.ScopeRevision)
			}
		case "5.2":
			what := map[string]string{"5.2": "information security policy"}[c.Ref]
			verb := "is"
			l.State, l.Link = check(in.DocumentFor[c.Ref]), "/policies"
			l.Detail = "The " + what + " " + verb + " approved and published."
			if !in.DocumentFor[c.Ref] {
				l.Detail = "No published document is linked to clause " + c.Ref + ": publish the " + what + " (Bulwark has a template) and link it to " + c.Ref + "."
				l.Link = "/policies/new"
			}
		case "7.2":
			ok := in.PeopleTrained > 0 && in.TrainingOverdue == 0
			l.State, l.Link = check(ok), "/trainings"
			l.Detail = fmt.Sprintf("%d %s with training records; %d of %d assignments completed in the current campaigns, none overdue.",
				in.PeopleTrained, map[bool]string{true: "person", false: "people"}[in.PeopleTrained == 1], in.TrainingCompleted, in.TrainingAssigned)
			switch {
			case in.PeopleTrained == 0:
				l.Detail = "No training is recorded yet: start an awareness campaign (Bulwark ships a starter module)."
			case in.TrainingOverdue > 0:
				l.Detail = fmt.Sprintf("%d %s overdue in the current training campaigns.", in.TrainingOverdue, map[bool]string{true: "person", false: "people"}[in.TrainingOverdue == 1])
			}
		case "9.1":
			ok := in.Evidence > 0 && in.EvidenceStale == 0
			l.State, l.Link = check(ok), "/evidence"
			l.Detail = bulwark.Plural(in.Evidence, "evidence item") + " of monitoring and measurement results, all within their period."
			switch {
			case in.Evidence == 0:
				l.Detail = "No evidence is recorded yet: add what shows the controls work (reports, exports, review records), each with the date it stops being current."
			case in.EvidenceStale > 0:
				l.Detail = bulwark.Plural(in.EvidenceStale, "evidence item") + " past its valid-until date: its owner adds a fresh revision."
			}
		case "7.5.1":
			ok := in.Documents > 0 && in.DocumentsOverdue == 0
			l.State, l.Link = check(ok), "/policies"
			l.Detail = bulwark.Plural(in.Documents, "published document") + ", each within its review cycle."
			switch {
			case in.Documents == 0:
				l.Detail = "No document is published yet."
			case in.DocumentsOverdue > 0:
				l.Detail = bulwark.Plural(in.DocumentsOverdue, "published document") + " overdue for review: review them, or record that they are still right."
			}
		default:
			l.Detail = "Bulwark cannot judge this from its registers: the auditor samples these records directly."
		}
		add(l)
	}
	awareness := Line{Section: "Competence and awareness", Clause: "7.3", Title: "People acknowledged the policies they were asked to read", State: Missing, Link: "/policies"}
	switch {
	case in.AckAsked == 0:
		awareness.Detail = "Nobody has been asked to acknowledge a policy yet: publish the information security policy and ask everyone."
	case in.AckDone == in.AckAsked:
		awareness.State, awareness.Detail = Ready, fmt.Sprintf("All %d acknowledgements asked for are given.", in.AckAsked)
	default:
		awareness.Detail = fmt.Sprintf("%d of %d acknowledgements given (%d%%); %d outstanding.", in.AckDone, in.AckAsked, 100*in.AckDone/in.AckAsked, in.AckAsked-in.AckDone)
	}
	add(awareness)
	issues := Line{Section: "Context of the organisation", Clause: "4.1", Title: "Internal and external issues are recorded and reviewed", State: check(in.ContextIssues > 0 && in.IssuesReviewDue == 0),
		Link: "/context", Detail: bulwark.Plural(in.ContextIssues, "issue") + " recorded, none past its review date."}
	switch {
	case in.ContextIssues == 0:
		issues.Detail = "No internal or external issue is recorded: note what affects the ISMS (laws, markets, technology, the organisation itself) and how."
	case in.IssuesReviewDue > 0:
		issues.Detail = bulwark.Plural(in.IssuesReviewDue, "issue") + " past its review date."
	}
	add(issues)
	parties := Line{Section: "Context of the organisation", Clause: "4.2", Title: "Interested parties and their requirements are recorded", State: check(in.InterestedParties > 0 && in.PartyRequirements > 0),
		Link: "/context", Detail: fmt.Sprintf("%s with %s.", bulwark.Plural(in.InterestedParties, "interested party"), bulwark.Plural(in.PartyRequirements, "requirement"))}
	if in.InterestedParties == 0 || in.PartyRequirements == 0 {
		parties.Detail = "No interested party with requirements is recorded: list clients, regulators, staff and suppliers, with what each requires of the ISMS."
	}
	add(parties)
	obligations := Line{Section: "Legal and contractual requirements", Clause: "A.5.31", Title: "The obligations register is kept and reviewed", State: check(in.Obligations > 0 && in.ObligationsPastReview == 0),
		Link: "/obligations", Detail: bulwark.Plural(in.Obligations, "obligation") + " in the register, none past its review date."}
	switch {
	case in.Obligations == 0:
		obligations.Detail = "The register of legal, regulatory and contractual requirements is empty: adopt the GDPR or HIPAA suggestions that apply, and add your contracts."
	case in.ObligationsPastReview > 0:
		obligations.Detail = bulwark.Plural(in.ObligationsPastReview, "obligation") + " past its review date."
	}
	add(obligations)
	incidents := Line{Section: "Incident management", Clause: "A.5.27", Title: "The incident process is used, with lessons learned", State: check(in.Incidents > 0 && in.ClosedWithLessons == in.ClosedNeedingLessons),
		Link: "/incidents", Detail: fmt.Sprintf("%s recorded; every closed incident whose level needs them has its lessons learned.", bulwark.Plural(in.Incidents, "incident"))}
	switch {
	case in.Incidents == 0:
		incidents.Detail = "No incident is recorded yet: record the events people report (or an exercise) so the auditor can sample the process."
	case in.ClosedWithLessons < in.ClosedNeedingLessons:
		incidents.Detail = fmt.Sprintf("%d of %d closed High or Critical incidents lack lessons learned.", in.ClosedNeedingLessons-in.ClosedWithLessons, in.ClosedNeedingLessons)
	}
	add(incidents)
	suppliers := Line{Section: "Suppliers", Clause: "A.5.22", Title: "Every tier-1 supplier has a current certificate or a reviewed questionnaire", State: check(in.Tier1Assured == in.Tier1Suppliers),
		Link: "/suppliers", Detail: fmt.Sprintf("All %s assured.", bulwark.Plural(in.Tier1Suppliers, "tier-1 supplier"))}
	switch {
	case in.Tier1Suppliers == 0:
		suppliers.Detail = "No tier-1 supplier is recorded: nothing to assure."
	case in.Tier1Assured < in.Tier1Suppliers:
		suppliers.Detail = fmt.Sprintf("%d of %d tier-1 suppliers have neither a current certificate nor an accepted questionnaire.", in.Tier1Suppliers-in.Tier1Assured, in.Tier1Suppliers)
	}
	add(suppliers)
	add(Line{Section: "Controls", Title: "Every control has a decided status", State: check(in.NotStarted == 0), Link: "/controls?status=not_started",
		Detail: orOK(in.NotStarted, "control", "still not started: decide whether it is planned, in place or not applicable")})
	add(Line{Section: "Controls", Title: "Every applicable control has an owner", State: check(in.NoOwner == 0), Link: "/controls",
		Detail: orOK(in.NoOwner, "applicable control", "without an owner")})
	add(Line{Section: "Controls", Title: "Every applicable control says why it is included", State: check(in.NoReason == 0), Link: "/soa",
		Detail: orOK(in.NoReason, "applicable control", "without an inclusion reason (a risk it treats, a legal, contractual or business reason)")})
	evidence := Line{Section: "Controls", Clause: "9.1", Title: "Every implemented control has current evidence", State: check(in.ImplementedControls > 0 && in.ControlsWithoutEvidence == 0),
		Link: "/controls?status=implemented", Detail: fmt.Sprintf("All %d implemented controls have evidence within its period.", in.ImplementedControls)}
	switch {
	case in.ImplementedControls == 0:
		evidence.Detail = "No control is marked implemented yet."
	case in.ControlsWithoutEvidence > 0:
		evidence.Detail = fmt.Sprintf("%d of %d implemented controls have no current evidence: link a report, export or review record to each.", in.ControlsWithoutEvidence, in.ImplementedControls)
	}
	add(evidence)
	measured := Line{Section: "Performance evaluation", Clause: "9.1", Title: "Every metric is measured as often as planned", State: check(in.Metrics > 0 && in.MetricsMeasured == in.Metrics && in.MetricsStale == 0),
		Link: "/objectives", Detail: fmt.Sprintf("All %d metrics have recent measurements.", in.Metrics)}
	switch {
	case in.Metrics == 0:
		measured.Detail = "No metric is defined yet: give each objective a metric with a target and a frequency."
	case in.MetricsMeasured < in.Metrics:
		measured.Detail = fmt.Sprintf("%d of %d metrics have never been measured.", in.Metrics-in.MetricsMeasured, in.Metrics)
	case in.MetricsStale > 0:
		measured.Detail = bulwark.Plural(in.MetricsStale, "metric") + " not measured for more than two of its periods."
	}
	add(measured)
	add(Line{Section: "Risks", Clause: "6.1.2", Title: "Every risk has an owner", State: check(in.RiskNoOwner == 0), Link: "/risks",
		Detail: orOK(in.RiskNoOwner, "risk", "without an owner")})
	add(Line{Section: "Risks", Clause: "6.1.3", Title: "Every assessed risk has a treatment", State: check(in.RiskNoTreatment == 0), Link: "/risks/treatment-plan",
		Detail: orOK(in.RiskNoTreatment, "assessed risk", "without a treatment")})
	add(Line{Section: "Risks", Clause: "6.1.3", Title: "Every treated risk is signed off by its owner", State: check(in.RiskAwaitingSignOff == 0), Link: "/tasks",
		Detail: orOK(in.RiskAwaitingSignOff, "treated risk", "waiting for its owner's sign-off")})
	soa := Line{Section: "Statement of Applicability", Clause: "6.1.3", Title: "The Statement of Applicability is approved", State: check(soaApproved), Link: "/soa"}
	switch {
	case soaApproved:
		soa.Detail = fmt.Sprintf("Revision %d is approved and nothing has changed since.", in.SoARevision)
	case in.SoARevision > 0:
		soa.Detail = fmt.Sprintf("Controls changed since revision %d was approved: submit the statement again.", in.SoARevision)
	default:
		soa.Detail = "It has never been approved: a manager submits it, an owner or admin approves it."
	}
	add(soa)
	if assessed := rep.Counts[Ready] + rep.Counts[Missing]; assessed > 0 {
		rep.Percent = 100 * rep.Counts[Ready] / assessed
	}
	return rep
}

// ncCount says how many nonconformities, with an adjective.
func ncCount(n int, adj string) string {
	if n == 1 {
		return "1 " + adj + "nonconformity"
	}
	return fmt.Sprintf("%d %snonconformities", n, adj)
}

// yearBefore is the day a year before day (YYYY-MM-DD).
func yearBefore(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.AddDate(-1, 0, 0).Format(time.DateOnly)
}

// orOK says "none" when n is zero, else how many things are in what state.
func orOK(n int, noun, state string) string {
	if n == 0 {
		return "None: done."
	}
	return bulwark.Plural(n, noun) + " " + state + "."
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
