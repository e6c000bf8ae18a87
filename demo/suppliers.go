package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas"
	"github.com/bulwark-isms/bulwark/areas/suppliers"
	"github.com/bulwark-isms/bulwark/tabular"
)

// demoSupplier is one of Northwind's suppliers: its three tiering answers, where it holds data, its owner
// (an index into People), its contact, and its certificate (expiring in days from today; 0: none).
type demoSupplier struct {
	name, services, data, access, replace string
	countries                             []string
	owner                                 int
	contact, email                        string
	cert                                  string // iso27001, soc2 or ""
	certDays                              int
}

// demoSuppliers are the 25 suppliers of a health-tech company, across the three tiers. The EHR partner's and
// the telehealth platform's certificates expire within 60 days of the demo's day.
var demoSuppliers = []demoSupplier{
	{"Northstar Cloud", "Hosting of the patient portal and the clinical databases", "special_category", "privileged", "hard", []string{"GB", "IE"}, 5, "Ana Silva", "ana.silva@northstar-cloud.example", "iso27001", 420},
	{"MedLink EHR", "Electronic health record integration (HL7 FHIR interface)", "special_category", "privileged", "hard", []string{"GB"}, 2, "Dr Owen Price", "owen.price@medlink.example", "iso27001", 21},
	{"CareCall Telehealth", "Video consultation platform for clinicians", "special_category", "limited", "moderate", []string{"GB", "NL"}, 6, "Sofia Jansen", "sofia.jansen@carecall.example", "soc2", 45},
	{"PathLab Diagnostics", "Laboratory results feed", "special_category", "limited", "hard", []string{"GB"}, 2, "Ian Morris", "ian.morris@pathlab.example", "iso27001", 300},
	{"SecureWatch SOC", "Managed security monitoring, 24/7", "internal", "privileged", "moderate", []string{"GB"}, 5, "Rita Kaur", "rita.kaur@securewatch.example", "iso27001", 510},
	{"Backupvault", "Off-site encrypted backups of production", "special_category", "limited", "moderate", []string{"IE"}, 5, "Mark Ellis", "mark.ellis@backupvault.example", "soc2", 260},
	{"Identity One", "Single sign-on and multi-factor authentication", "personal", "privileged", "hard", []string{"US", "IE"}, 1, "Grace Lee", "grace.lee@identityone.example", "soc2", 190},
	{"Payroll Partners", "Payroll and pension administration", "personal", "none", "moderate", []string{"GB"}, 1, "Helen Ward", "helen.ward@payrollpartners.example", "iso27001", 330},
	{"MailStream", "Staff email and calendars", "personal", "limited", "moderate", []string{"IE", "NL"}, 5, "Daniel Roy", "daniel.roy@mailstream.example", "iso27001", 600},
	{"DocuSign-a-lot", "Electronic signature of consent forms", "special_category", "none", "easy", []string{"US"}, 3, "Nina Cole", "nina.cole@docusign-a-lot.example", "soc2", 240},
	{"TicketDesk", "IT service desk tool", "internal", "limited", "easy", []string{"DE"}, 4, "Lukas Braun", "lukas.braun@ticketdesk.example", "", 0},
	{"CodeHarbour", "Source code hosting and CI", "internal", "privileged", "moderate", []string{"US"}, 5, "Eva Novak", "eva.novak@codeharbour.example", "soc2", 365},
	{"Leeds Colocation", "Data centre space, power and cabling", "internal", "limited", "hard", []string{"GB"}, 5, "Paul Grant", "paul.grant@leedscolo.example", "iso27001", 400},
	{"SMS Reminders Ltd", "Appointment reminders by text", "personal", "none", "easy", []string{"GB"}, 3, "Kate Shaw", "kate.shaw@smsreminders.example", "", 0},
	{"HR Cloud", "People records and recruitment", "personal", "limited", "moderate", []string{"IE"}, 1, "Omar Aziz", "omar.aziz@hrcloud.example", "iso27001", 700},
	{"Accountancy Plus", "Year-end accounts and audit support", "internal", "none", "easy", []string{"GB"}, 1, "Claire Dunn", "claire.dunn@accountancyplus.example", "", 0},
	{"ShredSafe", "Confidential waste collection and shredding", "special_category", "none", "easy", []string{"GB"}, 3, "Gary Hope", "gary.hope@shredsafe.example", "", 0},
	{"Rapid Couriers", "Delivery of medical devices and documents", "internal", "none", "easy", []string{"GB"}, 3, "Jo Reed", "jo.reed@rapidcouriers.example", "", 0},
	{"LineFast Telecom", "Internet and phone lines for clinics", "none", "none", "moderate", []string{"GB"}, 4, "Sam Patel", "sam.patel@linefast.example", "", 0},
	{"OfficeClean", "Cleaning of offices and clinics", "none", "none", "easy", []string{"GB"}, 3, "Mary Burns", "mary.burns@officeclean.example", "", 0},
	{"PrintWorks", "Managed printers", "internal", "limited", "easy", []string{"GB"}, 4, "Ravi Shah", "ravi.shah@printworks.example", "", 0},
	{"Insight Analytics", "Pseudonymised service-quality analytics", "personal", "limited", "easy", []string{"NL"}, 6, "Ines Costa", "ines.costa@insight.example", "iso27001", 150},
	{"LegalDesk LLP", "Legal advice on data protection", "personal", "none", "moderate", []string{"GB"}, 0, "Hugo Marsh", "hugo.marsh@legaldesk.example", "", 0},
	{"Pen Test Partners", "Yearly penetration test", "internal", "limited", "easy", []string{"GB"}, 5, "Zoe Hart", "zoe.hart@pentest.example", "iso27001", 280},
	{"Coffee Corner", "Office catering", "none", "none", "easy", []string{"GB"}, 0, "Ben Fox", "ben.fox@coffeecorner.example", "", 0},
}

// seedSuppliers records Northwind's suppliers with their certificates, and two questionnaires: one the
// telehealth platform submitted, one sent to the EHR partner and still waiting for its answers.
func seedSuppliers(ctx context.Context, svc *areas.ISMS, org *bulwark.Organisation, manager *bulwark.Principal) error {
	today := time.Now().UTC()
	ids := map[string]string{}
	for i, d := range demoSuppliers {
		owner := principalOf(ctx, svc, org, People[d.owner].Email)
		if owner == nil {
			return fmt.Errorf("demo supplier %s: no owner", d.name)
		}
		ownerID := &owner.MemberID
		status := suppliers.StatusActive
		if i == len(demoSuppliers)-3 {
			status = suppliers.StatusOnboarding
		}
		pd := d.data == "personal" || d.data == "special_category"
		start := fmt.Sprintf("%d-%02d-01", 2022+i%4, 1+i%12)
		sp := &start
		var dpa **string
		if pd {
			dp := &start
			dpa = &dp
		}
		locations := d.countries
		contacts := []suppliers.Contact{{Name: d.contact, Email: d.email, Role: "Account manager"}}
		in := suppliers.Input{Name: &d.name, Services: &d.services, DataProcessed: &d.data, SystemAccess: &d.access, Replaceability: &d.replace, Status: &status,
			OwnerID: &ownerID, PersonalData: &pd, DataLocations: &locations, Contacts: &contacts, ContractStart: &sp, DPASigned: dpa}
		if i%3 == 1 && d.certDays != 21 {
			last := today.AddDate(0, -4-i%6, 0).Format(time.DateOnly)
			lp := &last
			in.LastReview = &lp
		}
		s, err := svc.Suppliers.Create(ctx, manager, in)
		if err != nil {
			return fmt.Errorf("demo supplier %s: %w", d.name, err)
		}
		ids[d.name] = s.ID
		if d.cert == "" {
			continue
		}
		kind, expires := d.cert, today.AddDate(0, 0, d.certDays).Format(time.DateOnly)
		issued := today.AddDate(0, 0, d.certDays-3*365).Format(time.DateOnly)
		number := fmt.Sprintf("%s-%05d", strings.ToUpper(kind[:3]), 10000+i*137)
		body, scope := "BSI", "Provision of "+strings.ToLower(d.services)
		ci := suppliers.CertificateInput{Kind: &kind, Number: &number, Body: &body, Scope: &scope}
		ip, ep := &issued, &expires
		ci.IssuedOn, ci.ExpiresOn = &ip, &ep
		if kind == "soc2" {
			rt, ps, pe := "type2", today.AddDate(-1, -2, 0).Format(time.DateOnly), today.AddDate(0, -2, 0).Format(time.DateOnly)
			rtp, psp, pep := &rt, &ps, &pe
			body = "Carter & Lane CPAs"
			ci.ReportType, ci.PeriodStart, ci.PeriodEnd, ci.IssuedOn = &rtp, &psp, &pep, nil
		}
		if _, err := svc.Suppliers.AddCertificate(ctx, manager, s.ID, ci); err != nil {
			return fmt.Errorf("demo certificate of %s: %w", d.name, err)
		}
	}
	// The telehealth platform answered the questionnaire and submitted it; the EHR partner has not started.
	m := app.Meta{ActorID: "cli:demo"}
	q, err := svc.Suppliers.Send(ctx, manager, ids["CareCall Telehealth"], suppliers.SendInput{ContactEmail: "sofia.jansen@carecall.example"})
	if err != nil {
		return fmt.Errorf("demo questionnaire: %w", err)
	}
	token := strings.TrimPrefix(q.Link, "/q/")
	answers := map[string]suppliers.Answer{}
	for i, question := range q.Questions {
		a := suppliers.Answer{Value: suppliers.AnswerYes}
		switch i {
		case 7:
			a = suppliers.Answer{Value: suppliers.AnswerPartial, Comment: "Privileged access is reviewed every quarter; other access once a year, moving to twice in the spring."}
		case 19:
			a = suppliers.Answer{Value: suppliers.AnswerNA, Comment: "All staff work from our offices."}
		case 29:
			a = suppliers.Answer{Value: suppliers.AnswerNo, Comment: "Security testing runs before major releases only; automated scanning on every build is planned for next quarter."}
		}
		answers[question.ID] = a
	}
	if _, err := svc.Suppliers.AnswerByLink(ctx, token, answers, true, m); err != nil {
		return fmt.Errorf("demo questionnaire answers: %w", err)
	}
	if _, err := svc.Suppliers.Send(ctx, manager, ids["MedLink EHR"], suppliers.SendInput{ContactEmail: "owen.price@medlink.example"}); err != nil {
		return fmt.Errorf("demo questionnaire: %w", err)
	}
	return nil
}

// growSuppliers adds n suppliers through the register's import, with answers spread over the tiers, owners
// among the demo's managers and contributors, and last reviews over the past three years.
func growSuppliers(ctx context.Context, svc *areas.ISMS, sys *bulwark.Principal, n int, rng *mrand.Rand) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"Name", "Services", "Owner", "Status", "Data processed", "Access to systems", "Replaceability", "Personal data", "Data locations", "Last review"})
	countries := []string{"GB", "IE", "DE", "NL", "US", "FR"}
	owners := []string{People[2].Email, People[3].Email, People[4].Email, People[5].Email, People[6].Email}
	for i := 0; i < n; i++ {
		d := demoSuppliers[i%len(demoSuppliers)]
		data := suppliers.DataProcessedLevels[rng.IntN(len(suppliers.DataProcessedLevels))]
		pd := "no"
		if data == "personal" || data == "special_category" {
			pd = "yes"
		}
		last := time.Now().UTC().AddDate(0, 0, -rng.IntN(3*365)).Format(time.DateOnly)
		_ = w.Write([]string{fmt.Sprintf("%s %04d", d.name, i+1), d.services, owners[rng.IntN(len(owners))], "active", data,
			suppliers.SystemAccessLevels[rng.IntN(len(suppliers.SystemAccessLevels))], suppliers.ReplaceabilityLevels[rng.IntN(len(suppliers.ReplaceabilityLevels))],
			pd, countries[rng.IntN(len(countries))], last})
	}
	w.Flush()
	tbl, err := tabular.Read(bytes.NewReader(buf.Bytes()), "suppliers.csv", suppliers.Fields, tabular.Options{})
	if err != nil {
		return err
	}
	r, err := svc.Suppliers.Import(ctx, sys, tbl, false)
	if err != nil {
		return err
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("row %d: %s", r.Errors[0].Row, r.Errors[0].Message)
	}
	return nil
}
