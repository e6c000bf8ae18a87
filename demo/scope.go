package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/areas/obligations"
	"github.com/bulwark-isms/bulwark/areas/risks"
	"github.com/bulwark-isms/bulwark/areas/scope"
)

// demoIssues are the internal and external issues (4.1) of Northwind Health, a UK health-tech company whose
// clinical software runs in the cloud for hospital trusts and its own clinics: the owner (an index into
// People), how many months ahead the review falls (a negative number: overdue), and words of the risks each
// gives rise to.
var demoIssues = []struct {
	title, category, description, effect string
	owner, months                        int
	riskWords                            []string
}{
	{"Data protection law for health records", "legal",
		"Patient records are special-category personal data under the UK GDPR and the Data Protection Act 2018; US clinic customers bring HIPAA with them.",
		"Every process touching patient data needs a lawful basis, security proportionate to the harm, breach notification within the legal deadlines and records an auditor can follow.",
		6, 6, []string{"data breach", "personal data"}},
	{"Hospital trusts expect certification", "economic",
		"Hospital procurement frameworks increasingly score suppliers on ISO/IEC 27001 certification and the NHS data security standards.",
		"Losing or failing to gain certification would cost contract renewals; the ISMS has to be ready for a certification audit next year.",
		0, 9, nil},
	{"Ransomware aimed at the health sector", "technological",
		"Attacks on hospitals and their suppliers have taken clinical systems offline for weeks.",
		"Backups, recovery tests and endpoint protection must assume an attacker already inside; availability matters as much as confidentiality.",
		5, 3, []string{"ransomware", "malware"}},
	{"Patients' trust in digital health", "social",
		"Patients are more willing to use online services when they believe their data is handled carefully, and quick to leave after a publicised breach.",
		"Privacy notices, transparency about breaches and careful use of data in marketing are part of what the ISMS protects.",
		2, 12, nil},
	{"Dependence on one cloud provider", "technology",
		"The electronic health record system and the patient portal run in a single EU cloud region of one provider.",
		"Supplier assurance, exit planning and the provider's certifications are part of the ISMS; regional outages must be planned for.",
		1, 4, []string{"cloud", "supplier"}},
	{"A small security team", "people",
		"Two people share security alongside IT operations; clinical staff change often and many work part time.",
		"Awareness training, simple procedures and automation matter more than headcount; key-person dependence is a risk to manage.",
		2, -1, []string{"social engineering", "phishing"}},
}

// demoParties are Northwind's interested parties (4.2) with their requirements, the obligations behind them
// (by regime, or by words of a contractual obligation's title) and the controls that answer them.
var demoParties = []struct {
	name, kind, description string
	requirements            []scope.Requirement
	regimes, obligation     []string
	controls                []string
}{
	{"Patients", "external", "People whose health records Northwind's systems hold, in the UK, the EU and at US clinic customers.",
		[]scope.Requirement{
			{Requirement: "Their records stay confidential and accurate", Addressed: true, How: "Access control by role, encryption at rest and in transit, audit trails on record access"},
			{Requirement: "To be told promptly when a breach puts them at high risk", Addressed: true, How: "Incident procedure with the breach-notification clocks and a decision record"},
			{Requirement: "To see and correct what is held about them", Addressed: false},
		}, []string{obligations.RegimeGDPR}, nil, []string{"A.5.34", "A.8.24", "A.5.26"}},
	{"Hospital trusts (customers)", "external", "NHS trusts and private hospitals that use Northwind's clinical software under service agreements.",
		[]scope.Requirement{
			{Requirement: "Notice within 24 hours of an incident affecting their patients", Addressed: true, How: "Incident procedure names each trust's information governance lead"},
			{Requirement: "ISO/IEC 27001 certification covering the hosted service", Addressed: true, How: "This ISMS, with the scope below"},
			{Requirement: "Yearly NHS data security self-assessment", Addressed: true, How: "Compliance lead prepares it; the board signs it off"},
		}, nil, []string{"hospital customers"}, []string{"A.5.20", "A.5.24", "A.5.36"}},
	{"Regulators (ICO, CQC, US HHS)", "external", "Supervisory authorities for data protection and health care.",
		[]scope.Requirement{
			{Requirement: "Breach notification within the legal deadlines", Addressed: true, How: "Regulatory clocks on personal-data breaches"},
			{Requirement: "Records of processing and of security measures", Addressed: true, How: "Asset register and this ISMS's records"},
		}, []string{obligations.RegimeGDPR, obligations.RegimeHIPAA}, nil, []string{"A.5.31", "A.5.5"}},
	{"Staff and contractors", "internal", "Everyone who works for Northwind, in the offices, the clinics and from home.",
		[]scope.Requirement{
			{Requirement: "Clear, workable security rules and training", Addressed: true, How: "Policy set with acknowledgement and the yearly awareness module"},
			{Requirement: "Their own HR data protected", Addressed: true, How: "HR files restricted to HR; payroll bureau under contract"},
		}, nil, nil, []string{"A.6.3", "A.5.10"}},
	{"Cloud hosting provider", "external", "Runs the EU cloud region and the Leeds colocation suite Northwind's systems live in.",
		[]scope.Requirement{
			{Requirement: "Northwind keeps its side of the shared-responsibility model", Addressed: true, How: "Hardening baselines and monitoring of the cloud accounts"},
		}, nil, nil, []string{"A.5.23", "A.5.19"}},
	{"Board and investors", "internal", "The board, and the investors who fund Northwind's growth.",
		[]scope.Requirement{
			{Requirement: "Certification on time for the hospital framework renewal", Addressed: true, How: "Objectives and management reviews track readiness"},
			{Requirement: "No surprise regulatory fines", Addressed: false},
		}, nil, nil, nil},
}

// demoScope is Northwind's scope statement: boundaries, interfaces, dependencies, and one exclusion — the
// physical facilities of the colocation suite, which the provider runs — with its justification. Locations and
// systems whose names are assets of the register link them.
var demoScope = struct {
	summary                              string
	units, locations, processes, systems []string
	interfaces, dependencies             []string
	exclusion, justification             string
}{
	summary: "The information security management system of Northwind Health Ltd covering the development, hosting and support of its clinical software " +
		"for hospital trusts and clinics, and the clinical services of its own Manchester clinic, as described in the Statement of Applicability.",
	units:        []string{"Engineering", "IT operations", "Clinical services", "Customer support", "Finance and HR"},
	locations:    []string{"Leeds office", "Manchester clinic", "Data centre Leeds"},
	processes:    []string{"Software development and release", "Hosting and operation of the clinical platform", "Customer onboarding and support", "Patient care at the clinic", "Joiners, movers and leavers"},
	systems:      []string{"Electronic health record system", "Laboratory information system", "Identity provider", "Source code repository", "Backup software"},
	interfaces:   []string{"Hospital trusts' networks connect to the platform over their own links and the internet", "Payroll bureau receives monthly payroll data", "Managed SOC receives security logs"},
	dependencies: []string{"Cloud hosting provider for the EU region and the Leeds colocation suite", "Identity provider's vendor for sign-in", "Telecom line into the Leeds office"},
	exclusion:    "Physical and environmental security of the Leeds colocation suite (building, power, cooling, cabling)",
	justification: "The suite's building, access, power, cooling and cabling are operated by the colocation provider under the hosting contract; the provider is certified to ISO/IEC 27001 " +
		"and reviewed yearly under supplier management (A.5.19–A.5.22). Northwind's own racks, equipment and remote access to them stay in scope.",
}

// seedContext records Northwind's issues and interested parties, and writes its scope statement: the manager
// writes and submits it, the CEO approves it as revision 1.
func seedContext(ctx context.Context, svc *areas.ISMS, org *bulwark.Organisation) error {
	manager, ceo := principalOf(ctx, svc, org, People[2].Email), principalOf(ctx, svc, org, People[0].Email)
	if manager == nil || ceo == nil {
		return fmt.Errorf("demo context: the manager or the CEO is missing")
	}
	rs, _, err := svc.Risks.Risks(ctx, manager, risks.RiskFilter{Limit: 500})
	if err != nil {
		return err
	}
	today, err := time.Parse(time.DateOnly, bulwark.Today(time.Now(), org.Settings.TimeZone))
	if err != nil {
		return err
	}
	text := func(s string) *string { return &s }
	for _, d := range demoIssues {
		m, _, err := svc.MemberByEmail(ctx, org.ID, People[d.owner].Email)
		if err != nil {
			return err
		}
		owner := &m.ID
		review := text(today.AddDate(0, d.months, 0).Format(time.DateOnly))
		riskIDs := []string{}
		for _, w := range d.riskWords {
			n := 0
			for _, r := range rs {
				if n < 2 && strings.Contains(strings.ToLower(r.Title), w) {
					riskIDs, n = append(riskIDs, r.ID), n+1
				}
			}
		}
		if _, err := svc.Scope.CreateIssue(ctx, manager, scope.IssueInput{Title: text(d.title), Category: text(d.category), Description: text(d.description),
			Effect: text(d.effect), OwnerID: &owner, ReviewDate: &review, RiskIDs: &riskIDs}); err != nil {
			return fmt.Errorf("demo issue %q: %w", d.title, err)
		}
	}
	obs, _, err := svc.Obligations.List(ctx, manager, obligations.Filter{})
	if err != nil {
		return err
	}
	cs, err := svc.Controls.Controls(ctx, manager, controls.ControlFilter{})
	if err != nil {
		return err
	}
	controlByRef := map[string]string{}
	for _, c := range cs {
		controlByRef[c.Ref] = c.ID
	}
	for _, d := range demoParties {
		var obIDs, ctlIDs []string
		for _, o := range obs {
			for _, regime := range d.regimes {
				if o.Regime == regime && len(obIDs) < 4 {
					obIDs = append(obIDs, o.ID)
				}
			}
			for _, w := range d.obligation {
				if strings.Contains(strings.ToLower(o.Title), w) {
					obIDs = append(obIDs, o.ID)
				}
			}
		}
		for _, ref := range d.controls {
			ctlIDs = append(ctlIDs, controlByRef[ref])
		}
		reqs := d.requirements
		if _, err := svc.Scope.CreateParty(ctx, manager, scope.PartyInput{Name: text(d.name), Kind: text(d.kind), Description: text(d.description),
			Requirements: &reqs, ObligationIDs: &obIDs, ControlIDs: &ctlIDs}); err != nil {
			return fmt.Errorf("demo party %q: %w", d.name, err)
		}
	}
	// The scope: boundaries named after assets link them.
	as, _, err := svc.Assets.Assets(ctx, manager, assets.AssetFilter{Limit: 500})
	if err != nil {
		return err
	}
	assetByName := map[string]string{}
	for _, a := range as {
		if _, seen := assetByName[a.Name]; !seen {
			assetByName[a.Name] = a.ID
		}
	}
	list := func(names []string) *[]scope.Boundary {
		out := make([]scope.Boundary, 0, len(names))
		for _, n := range names {
			b := scope.Boundary{Name: n}
			if id, ok := assetByName[n]; ok {
				b.AssetID = &id
			}
			out = append(out, b)
		}
		return &out
	}
	ex := []scope.Exclusion{{What: demoScope.exclusion, Justification: demoScope.justification}}
	in := scope.ScopeInput{Summary: text(demoScope.summary), OrgUnits: list(demoScope.units), Locations: list(demoScope.locations), Processes: list(demoScope.processes),
		Systems: list(demoScope.systems), Interfaces: &demoScope.interfaces, Dependencies: &demoScope.dependencies, Exclusions: &ex}
	if _, err := svc.Scope.SaveScope(ctx, manager, in, nil); err != nil {
		return fmt.Errorf("demo scope: %w", err)
	}
	if _, err := svc.Scope.SubmitScope(ctx, manager); err != nil {
		return fmt.Errorf("demo scope: submit: %w", err)
	}
	if _, err := svc.Scope.ApproveScope(ctx, ceo); err != nil {
		return fmt.Errorf("demo scope: approve: %w", err)
	}
	return nil
}
