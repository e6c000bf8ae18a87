// Package demo seeds a fictional company, Northwind Health Ltd, so that people can
// try Bulwark with believable data: members in every role, an asset register and
// a control set in progress. It goes through the app service like any user, so
// every record is validated and audited.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	mrand "math/rand/v2"
	"strings"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/areas/assets"
	"github.com/bulwark-isms/bulwark/areas/controls"
	"github.com/bulwark-isms/bulwark/areas/gaps"
	"github.com/bulwark-isms/bulwark/areas/risks"
)

// Person is a demo member.
type Person struct {
	Name, Email string
	Role        bulwark.Role
}

// People are Northwind's members, one or more per role.
var People = []Person{
	{"Olivia Hart", "olivia.hart@northwind.example", bulwark.RoleOwner},
	{"Samir Haddad", "samir.haddad@northwind.example", bulwark.RoleAdmin},
	{"Maria Lopez", "maria.lopez@northwind.example", bulwark.RoleManager},
	{"Tom Becker", "tom.becker@northwind.example", bulwark.RoleContributor},
	{"Anna Kowalski", "anna.kowalski@northwind.example", bulwark.RoleContributor},
	{"James Okafor", "james.okafor@northwind.example", bulwark.RoleContributor},
	{"Priya Nair", "priya.nair@northwind.example", bulwark.RoleManager},
	{"Lena Fischer", "lena.fischer@audit-partners.example", bulwark.RoleAuditor},
	{"Chris Doyle", "chris.doyle@northwind.example", bulwark.RoleEmployee},
	{"Yuki Tanaka", "yuki.tanaka@northwind.example", bulwark.RoleEmployee},
}

// Result says how to sign in to the demo.
type Result struct {
	Org      *bulwark.Organisation
	Email    string
	Password string
}

// assetKinds are the demo's asset types with the places they live and their tags; large.go's bulk assets
// use them too.
var assetKinds = []struct {
	typ, class string
	names      []string
	locations  []string
	tags       []string
}{
	{"information", "Confidential", []string{"Patient records", "Clinical trial results", "Payroll data", "Supplier contracts", "Board minutes", "Customer support tickets", "Marketing leads", "Incident reports", "HR files", "Financial statements"},
		[]string{"EU cloud region", "File server", "SharePoint"}, []string{"personal-data", "finance", "hr"}},
	{"software", "Confidential", []string{"Electronic health record system", "CRM", "Payroll application", "Ticketing system", "Source code repository", "Identity provider", "Backup software", "Email service", "Accounting package", "Laboratory information system"},
		[]string{"SaaS", "Data centre Leeds", "EU cloud region"}, []string{"saas", "core", "identity"}},
	{"hardware", "Internal", []string{"Laptop", "Database server", "Firewall", "Core switch", "NAS appliance", "Badge reader", "Clinic tablet", "Printer", "Hypervisor host", "UPS"},
		[]string{"Leeds office", "Data centre Leeds", "Manchester clinic"}, []string{"endpoint", "network", "datacentre"}},
	{"service", "Confidential", []string{"Managed SOC", "Cloud hosting", "Payroll bureau", "Courier service", "Telecom line", "Shredding service"},
		[]string{"Supplier", "SaaS"}, []string{"supplier", "outsourced"}},
	{"people", "Internal", []string{"IT administrators", "Clinical staff", "Finance team", "Developers", "Reception staff"},
		[]string{"Leeds office", "Manchester clinic"}, []string{"staff"}},
	{"site", "Internal", []string{"Leeds office", "Manchester clinic", "Data centre Leeds", "Archive room"},
		[]string{"Leeds", "Manchester"}, []string{"premises"}},
}

// profile is how a health-tech company would classify one of its assets: classification, confidentiality,
// integrity and availability (1–4), whether it holds personal data, and its tags (phi: protected health
// information under HIPAA, special-category data under GDPR).
type profile struct {
	class   string
	c, i, a int
	pd      bool
	tags    []string
}

// profiles holds the assets whose classification a reader checks first; the others take their type's default.
var profiles = map[string]profile{
	"Patient records":                 {"Restricted", 4, 4, 3, true, []string{"phi", "personal-data"}},
	"Clinical trial results":          {"Restricted", 4, 4, 2, true, []string{"phi", "research"}},
	"Payroll data":                    {"Confidential", 3, 3, 2, true, []string{"hr", "finance", "personal-data"}},
	"Supplier contracts":              {"Confidential", 2, 3, 2, false, []string{"finance", "legal"}},
	"Board minutes":                   {"Confidential", 3, 3, 1, false, []string{"governance"}},
	"Customer support tickets":        {"Confidential", 3, 2, 2, true, []string{"personal-data"}},
	"Marketing leads":                 {"Internal", 2, 2, 1, true, []string{"personal-data", "marketing"}},
	"Incident reports":                {"Confidential", 3, 3, 2, true, []string{"security"}},
	"HR files":                        {"Confidential", 3, 3, 2, true, []string{"hr", "personal-data"}},
	"Financial statements":            {"Confidential", 3, 4, 2, false, []string{"finance"}},
	"Electronic health record system": {"Restricted", 4, 4, 4, true, []string{"phi", "core"}},
	"Laboratory information system":   {"Restricted", 4, 4, 3, true, []string{"phi", "core"}},
	"Identity provider":               {"Restricted", 4, 4, 4, true, []string{"identity", "core"}},
	"CRM":                             {"Confidential", 3, 3, 3, true, []string{"saas", "personal-data"}},
	"Payroll application":             {"Confidential", 3, 3, 2, true, []string{"saas", "personal-data"}},
	"Email service":                   {"Confidential", 3, 3, 3, true, []string{"saas"}},
	"Source code repository":          {"Confidential", 3, 4, 3, false, []string{"core"}},
	"Backup software":                 {"Confidential", 3, 4, 4, true, []string{"core"}},
	"Ticketing system":                {"Internal", 2, 2, 3, true, []string{"saas"}},
	"Accounting package":              {"Confidential", 3, 4, 3, false, []string{"saas", "finance"}},
	"Database server":                 {"Restricted", 4, 4, 4, true, []string{"datacentre", "phi"}},
	"Hypervisor host":                 {"Confidential", 3, 4, 4, true, []string{"datacentre"}},
	"Firewall":                        {"Confidential", 2, 4, 4, false, []string{"network"}},
	"Clinic tablet":                   {"Confidential", 3, 3, 2, true, []string{"endpoint", "phi"}},
	"Laptop":                          {"Confidential", 3, 3, 2, true, []string{"endpoint"}},
	"Cloud hosting":                   {"Restricted", 4, 4, 4, true, []string{"supplier", "phi"}},
	"Managed SOC":                     {"Confidential", 3, 3, 3, true, []string{"supplier"}},
	"Payroll bureau":                  {"Confidential", 3, 3, 2, true, []string{"supplier", "personal-data"}},
	"Shredding service":               {"Confidential", 3, 1, 1, true, []string{"supplier"}},
	"Courier service":                 {"Internal", 2, 2, 2, true, []string{"supplier"}},
	"Telecom line":                    {"Internal", 1, 2, 4, false, []string{"supplier", "network"}},
	"Clinical staff":                  {"Internal", 3, 3, 3, false, []string{"staff"}},
	"IT administrators":               {"Internal", 3, 3, 3, false, []string{"staff"}},
	"Data centre Leeds":               {"Confidential", 2, 3, 4, false, []string{"premises"}},
	"Archive room":                    {"Confidential", 3, 2, 1, true, []string{"premises", "phi"}},
}

// Exclusions are the Annex A controls Northwind does not apply, each for a reason an auditor would accept;
// every other control is applicable.
var Exclusions = map[string]string{
	"A.8.30": "Northwind develops its software in-house with its own staff; no development is outsourced.",
	"A.8.11": "No personal data leaves production: development and testing use synthetic records generated for the purpose (A.8.33), and no screen or report shows partial identifiers, so there is nothing to mask.",
	"A.7.12": "The Leeds data centre is a colocation suite whose provider installs and protects all cabling under the hosting contract (A.5.20); the offices and clinics have no network cabling of Northwind's own beyond the wall sockets.",
	"A.7.11": "Power, cooling and backup power of the Leeds suite are the colocation provider's under contract (A.5.20, reviewed yearly); offices and clinics run no equipment that needs its own supporting utilities.",
}

// statedReasons are the reasons, beyond the risks they treat, that Northwind gives for including controls.
var statedReasons = map[string][]string{
	"A.5.31": {"legal", "contractual"}, "A.5.32": {"legal"}, "A.5.33": {"legal"}, "A.5.34": {"legal"}, "A.6.1": {"legal"},
	"A.5.19": {"contractual"}, "A.5.20": {"contractual"}, "A.5.21": {"contractual"}, "A.5.22": {"contractual"}, "A.5.23": {"contractual"},
	"A.6.6": {"contractual"}, "A.8.10": {"legal"}, "A.5.24": {"legal"}, "A.5.26": {"legal"},
}

// Seed creates the demo organisation. The database must hold no organisation.
func Seed(ctx context.Context, svc *areas.ISMS) (*Result, error) {
	need, err := svc.NeedsSetup(ctx)
	if err != nil {
		return nil, err
	}
	if !need {
		return nil, fmt.Errorf("this database already holds organisations; the demo needs an empty one (leave out --db for a temporary one)")
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	password := "demo-" + base64.RawURLEncoding.EncodeToString(b)
	meta := app.Meta{ActorID: "cli:demo"}
	org, _, err := svc.CreateOrganisation(ctx, app.NewOrganisation{Name: "Northwind Health Ltd", OwnerEmail: People[0].Email, OwnerName: People[0].Name, Password: password}, meta)
	if err != nil {
		return nil, fmt.Errorf("create the demo organisation: %w", err)
	}
	sys := svc.CLIPrincipal(org, "demo")
	members := map[string]string{} // email → member id
	for _, person := range People[1:] {
		inv, err := svc.Invite(ctx, sys, person.Email, person.Role)
		if err != nil {
			return nil, err
		}
		secret := inv.Link[strings.LastIndex(inv.Link, "/")+1:]
		if _, _, err := svc.AcceptInvitation(ctx, secret, nil, person.Name, password, meta); err != nil {
			return nil, err
		}
	}
	for _, person := range People {
		m, _, err := svc.MemberByEmail(ctx, org.ID, person.Email)
		if err != nil {
			return nil, err
		}
		members[person.Email] = m.ID
	}
	owners := []string{members[People[1].Email], members[People[2].Email], members[People[3].Email], members[People[4].Email], members[People[5].Email], members[People[6].Email]}
	rng := mrand.New(mrand.NewPCG(27001, 2022)) // the same demo every time
	// 150 assets across the six types.
	for i := 0; i < 150; i++ {
		k := assetKinds[i%len(assetKinds)]
		base := k.names[(i/len(assetKinds))%len(k.names)]
		name := base
		if n := i / (len(assetKinds) * len(k.names)); n > 0 || k.typ == "hardware" {
			name = fmt.Sprintf("%s %02d", base, i/len(assetKinds)+1)
		}
		typ, loc := k.typ, k.locations[rng.IntN(len(k.locations))]
		pr, ok := profiles[base]
		if !ok {
			pr = profile{class: k.class, c: 2, i: 2, a: 2, tags: []string{k.tags[rng.IntN(len(k.tags))]}}
		}
		class := pr.class
		owner, custodian := &owners[rng.IntN(len(owners))], &owners[rng.IntN(len(owners))]
		c, in, av := pr.c, pr.i, pr.a
		cp, ip, ap := &c, &in, &av
		pd := pr.pd
		status := "in_use"
		if rng.IntN(12) == 0 {
			status = "retired"
		} else if rng.IntN(15) == 0 {
			status = "planned"
		}
		review := fmt.Sprintf("2027-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28))
		rp := &review
		tags := pr.tags
		desc := fmt.Sprintf("%s used by Northwind Health (%s).", base, strings.ToLower(loc))
		if _, err := svc.Assets.CreateAsset(ctx, sys, assets.AssetInput{Name: &name, Type: &typ, Description: &desc, Location: &loc, Classification: &class,
			OwnerID: &owner, CustodianID: &custodian, Confidentiality: &cp, Integrity: &ip, Availability: &ap, PersonalData: &pd, Status: &status,
			ReviewDate: &rp, Tags: &tags}); err != nil {
			return nil, fmt.Errorf("demo asset %d: %w", i+1, err)
		}
	}
	// The control set, about half way through implementation.
	controlSet, err := svc.Controls.Controls(ctx, sys, controls.ControlFilter{})
	if err != nil {
		return nil, err
	}
	weights := []string{"implemented", "implemented", "implemented", "partial", "partial", "planned", "not_started"}
	for _, c := range controlSet {
		status := weights[rng.IntN(len(weights))]
		if c.Ref == "A.5.1" || c.Ref == "A.5.2" || c.Ref == "A.5.9" {
			status = "implemented" // policies, roles and the asset inventory come first
		}
		if _, excluded := Exclusions[c.Ref]; excluded {
			status = "not_applicable"
		}
		owner := &owners[rng.IntN(len(owners))]
		impl := ""
		if status == "implemented" || status == "partial" {
			impl = fmt.Sprintf("In place since 2026; see the %s procedure in the policy library.", strings.ToLower(c.Title))
		}
		var justification string
		reasons := append([]string{"business"}, statedReasons[c.Ref]...)
		if why, excluded := Exclusions[c.Ref]; excluded {
			justification, reasons = why, nil
		}
		maturity := map[string]int{"implemented": 3, "partial": 2, "planned": 1, "not_started": 0}[status]
		if status == "implemented" && rng.IntN(3) == 0 {
			maturity = 4
		}
		mp := &maturity
		if status == "not_applicable" {
			mp = nil
		}
		review := fmt.Sprintf("2027-%02d-15", 1+rng.IntN(12))
		rp := &review
		if _, err := svc.Controls.UpdateControl(ctx, sys, c.ID, controls.ControlInput{Status: &status, OwnerID: &owner, Implementation: &impl, ReviewDate: &rp,
			ExclusionJustification: &justification, InclusionReasons: &reasons, Maturity: &mp}, nil, nil); err != nil {
			return nil, fmt.Errorf("demo control %s: %w", c.Ref, err)
		}
	}
	if err := seedRisks(ctx, svc, sys, org, members, owners, rng); err != nil {
		return nil, err
	}
	// The GDPR and HIPAA obligations adopted, with owners and review dates (before incidents ask which regimes apply).
	if err := seedObligations(ctx, svc, org); err != nil {
		return nil, err
	}
	// Context and scope (clause 4): issues, interested parties linked to those obligations, the scope approved.
	if err := seedContext(ctx, svc, org); err != nil {
		return nil, err
	}
	// The policy set is published before the SoA is approved: the statement names the documents behind each control.
	if _, err := seedPeople(ctx, svc, sys, rng); err != nil {
		return nil, err
	}
	manager, ceo := principalOf(ctx, svc, org, People[2].Email), principalOf(ctx, svc, org, People[0].Email)
	if manager == nil || ceo == nil {
		return nil, fmt.Errorf("demo: the manager or the CEO is missing")
	}
	docs, err := seedDocuments(ctx, svc, manager, ceo)
	if err != nil {
		return nil, err
	}
	if err := approveSoA(ctx, svc, org, controlSet); err != nil {
		return nil, err
	}
	if err := seedGapAssessment(ctx, svc, org, rng); err != nil {
		return nil, err
	}
	if err := seedAcknowledgements(ctx, svc, manager, docs, rng); err != nil {
		return nil, err
	}
	if err := seedTraining(ctx, svc, manager, rng); err != nil {
		return nil, err
	}
	if err := seedIncidentReports(ctx, svc, org); err != nil {
		return nil, err
	}
	// The reports handled, and a personal-data breach whose GDPR clock is running.
	if err := seedIncidents(ctx, svc, manager); err != nil {
		return nil, err
	}
	if err := seedEvidence(ctx, svc, manager, controlSet, rng); err != nil {
		return nil, err
	}
	if err := seedMonitoring(ctx, svc, manager); err != nil {
		return nil, err
	}
	// 25 suppliers across the tiers, two certificates expiring within 60 days, one questionnaire submitted, one waiting.
	if err := seedSuppliers(ctx, svc, org, manager); err != nil {
		return nil, err
	}
	// Security objectives with a year of monthly measurements, one off track (before the management review reads them).
	if err := seedObjectives(ctx, svc, manager); err != nil {
		return nil, err
	}
	// Last quarter's internal audit, carried through its findings, and next year's programme.
	if err := seedAudits(ctx, svc, manager, principalOf(ctx, svc, org, People[7].Email)); err != nil {
		return nil, err
	}
	// Then the management review that took the audit's results in, approved by the CEO.
	if err := seedManagementReview(ctx, svc, manager, ceo, principalOf(ctx, svc, org, People[1].Email)); err != nil {
		return nil, err
	}
	return &Result{Org: org, Email: People[0].Email, Password: password}, nil
}

// principalOf is the member with email acting in org, or nil.
func principalOf(ctx context.Context, svc *areas.ISMS, org *bulwark.Organisation, email string) *bulwark.Principal {
	m, u, err := svc.MemberByEmail(ctx, org.ID, email)
	if err != nil {
		return nil
	}
	return svc.PrincipalForMember(org, m, u)
}

// approveSoA gives the Statement of Applicability two approved revisions: the first approved in the spring,
// the second after two controls moved on. The ISMS manager submits; the CEO approves.
func approveSoA(ctx context.Context, svc *areas.ISMS, org *bulwark.Organisation, controlSet []*controls.Control) error {
	principalOf := func(email string) (*bulwark.Principal, error) {
		m, u, err := svc.MemberByEmail(ctx, org.ID, email)
		if err != nil {
			return nil, err
		}
		return svc.PrincipalForMember(org, m, u), nil
	}
	manager, err := principalOf(People[2].Email)
	if err != nil {
		return err
	}
	ceo, err := principalOf(People[0].Email)
	if err != nil {
		return err
	}
	for round := 0; round < 2; round++ {
		if round == 1 {
			// Between the revisions: two planned controls were put in place.
			moved := 0
			for _, c := range controlSet {
				cur, err := svc.Controls.Control(ctx, manager, c.ID)
				if err != nil {
					return err
				}
				if cur.Status != "planned" || moved == 2 {
					continue
				}
				st, impl, m := "implemented", "In place since the autumn; the owner reviewed it with the ISMS manager.", 3
				mp := &m
				if _, err := svc.Controls.UpdateControl(ctx, manager, c.ID, controls.ControlInput{Status: &st, Implementation: &impl, Maturity: &mp}, nil, nil); err != nil {
					return fmt.Errorf("demo control %s: %w", c.Ref, err)
				}
				moved++
			}
		}
		if _, err := svc.Controls.SubmitSoA(ctx, manager); err != nil {
			return fmt.Errorf("demo SoA submission: %w", err)
		}
		if _, err := svc.Controls.ApproveSoA(ctx, ceo); err != nil {
			return fmt.Errorf("demo SoA approval: %w", err)
		}
	}
	return nil
}

// seedGapAssessment keeps a finished ISO/IEC 27001 gap assessment: the controls answered as they stand,
// the clauses mostly partly in place, as a baseline a certification project starts from.
func seedGapAssessment(ctx context.Context, svc *areas.ISMS, org *bulwark.Organisation, rng *mrand.Rand) error {
	m, u, err := svc.MemberByEmail(ctx, org.ID, People[2].Email) // the ISMS manager
	if err != nil {
		return err
	}
	manager := svc.PrincipalForMember(org, m, u)
	a, err := svc.Gaps.CreateAssessment(ctx, manager, "Pre-certification baseline", "iso27001-2022")
	if err != nil {
		return fmt.Errorf("demo gap assessment: %w", err)
	}
	cs, err := svc.Controls.Controls(ctx, manager, controls.ControlFilter{})
	if err != nil {
		return err
	}
	byRef := map[string]*controls.Control{}
	for _, c := range cs {
		byRef[c.Ref] = c
	}
	for _, it := range a.Items {
		ans, notes := []string{"partial", "partial", "implemented", "not_implemented"}[rng.IntN(4)], ""
		if c := byRef[it.Ref]; c != nil {
			ans = map[string]string{"implemented": "implemented", "partial": "partial", "planned": "not_implemented", "not_started": "not_implemented", "not_applicable": "not_applicable"}[c.Status]
			notes = c.ExclusionJustification
		}
		if _, err := svc.Gaps.Answer(ctx, manager, a.ID, gaps.Item{RequirementID: it.RequirementID, Answer: ans, Notes: notes}); err != nil {
			return fmt.Errorf("demo gap answer %s: %w", it.Ref, err)
		}
	}
	if _, err := svc.Gaps.Finish(ctx, manager, a.ID); err != nil {
		return fmt.Errorf("demo gap assessment: %w", err)
	}
	return nil
}

// seedRisks writes about 60 risks over the demo assets: most assessed and in
// treatment, a few above the acceptance criteria and signed off by their owner
// and the CEO, a few with overdue treatment actions.
func seedRisks(ctx context.Context, svc *areas.ISMS, sys *bulwark.Principal, org *bulwark.Organisation, members map[string]string, owners []string, rng *mrand.Rand) error {
	threats, err := svc.Risks.Library(ctx, sys, "threat")
	if err != nil {
		return err
	}
	assetList, _, err := svc.Assets.Assets(ctx, sys, assets.AssetFilter{Limit: 200})
	if err != nil {
		return err
	}
	controlSet, err := svc.Controls.Controls(ctx, sys, controls.ControlFilter{})
	if err != nil {
		return err
	}
	controlByRef := map[string]string{}
	for _, c := range controlSet {
		controlByRef[c.Ref] = c.ID
	}
	principalOf := func(email string) (*bulwark.Principal, error) {
		m, u, err := svc.MemberByEmail(ctx, org.ID, email)
		if err != nil {
			return nil, err
		}
		return svc.PrincipalForMember(org, m, u), nil
	}
	ceo, err := principalOf(People[0].Email)
	if err != nil {
		return err
	}
	cfo, err := principalOf(People[1].Email) // the admin
	if err != nil {
		return err
	}
	byMember := map[string]string{}
	for email, id := range members {
		byMember[id] = email
	}
	// Risks are about the assets that matter: information, systems and services, not a numbered printer or a
	// team of people.
	var valued []*assets.Asset
	for _, a := range assetList {
		if _, ok := profiles[a.Name]; ok && a.Status != "retired" && (a.Type == "information" || a.Type == "software" || a.Type == "service") {
			valued = append(valued, a)
		}
	}
	if len(valued) == 0 {
		return fmt.Errorf("demo risks: no classified asset to assess")
	}
	for i := 0; i < 60; i++ {
		th := threats[i%len(threats)]
		a := valued[(i*7)%len(valued)]
		title := fmt.Sprintf("%s: %s", th.Name, a.Name)
		owner := owners[rng.IntN(len(owners))]
		// The impact follows what the asset is worth (its highest CIA value, 1–4, on a 1–5 scale); the
		// likelihood is the scenario's.
		worth := 1
		for _, v := range []*int{a.Confidentiality, a.Integrity, a.Availability} {
			if v != nil && *v > worth {
				worth = *v
			}
		}
		l, im := 1+rng.IntN(5), min(5, worth+rng.IntN(2))
		rl, ri := max(1, l-1-rng.IntN(2)), max(1, im-rng.IntN(2))
		treatment := []string{"mitigate", "mitigate", "mitigate", "transfer", "accept", "avoid"}[rng.IntN(6)]
		var ctrl []string
		for _, ref := range th.Controls {
			if _, excluded := Exclusions[ref]; excluded {
				continue // an excluded control treats no risk
			}
			if id, ok := controlByRef[ref]; ok {
				ctrl = append(ctrl, id)
			}
		}
		review := fmt.Sprintf("2027-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28))
		if i%15 == 0 {
			review = "2026-06-30" // past its review date
		}
		yes := true
		tid, ownerP, treatP, reviewP := &th.ID, &owner, &treatment, &review
		lp, ip, rlp, rip := &l, &im, &rl, &ri
		in := risks.RiskInput{Title: &title, Category: &th.Category, Threat: &th.Name, ThreatID: &tid, OwnerID: &ownerP,
			AssetIDs: &[]string{a.ID}, ControlIDs: &ctrl, InherentLikelihood: &lp, InherentImpact: &ip, Treatment: &treatP,
			ResidualLikelihood: &rlp, ResidualImpact: &rip, ReviewDate: &reviewP, AffectsConfidentiality: &yes}
		r, err := svc.Risks.CreateRisk(ctx, sys, in)
		if err != nil {
			return fmt.Errorf("demo risk %d: %w", i+1, err)
		}
		if i%4 == 0 { // a treatment action, some of them overdue
			title := "Put " + strings.Join(th.Controls, ", ") + " in place for " + a.Name
			due := fmt.Sprintf("2027-%02d-01", 1+rng.IntN(12))
			if i%12 == 0 {
				due = "2026-09-30"
			}
			dp, op := &due, &owner
			if _, err := svc.Risks.SaveAction(ctx, sys, r.ID, "", risks.ActionInput{Title: &title, DueDate: &dp, OwnerID: &op}, nil); err != nil {
				return err
			}
		}
		if i%5 == 0 { // signed off by its owner, and by the CEO when above the criteria, then accepted
			op, err := principalOf(byMember[owner])
			if err != nil {
				return err
			}
			if !op.Can(bulwark.PermRiskSignOffOwn) {
				continue
			}
			if _, err := svc.Risks.SignOff(ctx, op, r.ID, "Treatment plan approved; residual risk accepted."); err != nil {
				return err
			}
			if r.ResidualLevel != nil && (*r.ResidualLevel == "High" || *r.ResidualLevel == "Critical") {
				approver := ceo
				if op.MemberID == ceo.MemberID { // segregation of duties: someone else approves the CEO's own risk
					approver = cfo
				}
				if _, err := svc.Risks.SignOff(ctx, approver, r.ID, "Accepted by management above the criteria for this year."); err != nil {
					return err
				}
			}
			accepted := "accepted"
			if _, err := svc.Risks.UpdateRisk(ctx, sys, r.ID, risks.RiskInput{Status: &accepted}, nil, nil); err != nil {
				return fmt.Errorf("accept demo risk %s: %w", r.Ref, err)
			}
		}
	}
	return nil
}
