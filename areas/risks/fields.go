package risks

import "github.com/bulwark-isms/bulwark/field"

// The risk area's entities, declared once: the API decodes and documents them,
// forms read them and the risk register's spreadsheet columns are RiskEntity's
// Sheet fields in this order.
var (
	// RiskEntity is a risk of the register.
	RiskEntity = field.FromStruct("Risk", Risk{}).
			Writable("ref", "title", "description", "category", "threat", "vulnerability", "threat_id", "vulnerability_id", "asset_ids",
			"owner_id", "affects_confidentiality", "affects_integrity", "affects_availability", "inherent_likelihood", "inherent_impact",
			"treatment", "control_ids", "residual_likelihood", "residual_impact", "target_date", "status", "review_date", "version").
		Require("title").OneOf("treatment", RiskTreatments).OneOf("status", RiskStatuses).
		Describe("ref", "Ref", "R-001 …; the next free one when not given", "Risk ID", "ID", "Reference").
		Describe("title", "Title", "", "Risk", "Risk title", "Name").
		Describe("description", "Description", "").
		Describe("category", "Category", "").
		Describe("threat", "Threat", "").
		Describe("vulnerability", "Vulnerability", "").
		Describe("asset_ids", "Assets", "the assets at risk (asset ids; a spreadsheet may give refs or names)", "Asset", "Affected assets").
		Describe("owner_id", "Owner", "the risk owner, who signs off the treatment and the residual risk (a member id)", "Risk owner").
		Describe("affects_confidentiality", "Confidentiality", "", "C").
		Describe("affects_integrity", "Integrity", "", "I").
		Describe("affects_availability", "Availability", "", "A").
		Describe("inherent_likelihood", "Inherent likelihood", "a level of the methodology's likelihood scale", "Likelihood").
		Describe("inherent_impact", "Inherent impact", "a level of the methodology's impact scale", "Impact").
		Describe("inherent_score", "Inherent score", "derived from the likelihood and impact").
		Describe("inherent_level", "Inherent level", "derived from the score").
		Describe("treatment", "Treatment", "", "Treatment option").
		Describe("control_ids", "Controls", "the controls that treat the risk (control ids; a spreadsheet gives refs)", "Annex A controls").
		Describe("residual_likelihood", "Residual likelihood", "").
		Describe("residual_impact", "Residual impact", "").
		Describe("residual_score", "Residual score", "derived").
		Describe("residual_level", "Residual level", "derived").
		Describe("target_date", "Target date", "", "Due date").
		Describe("status", "Status", "accepted needs the sign-offs the acceptance criteria ask for").
		Describe("review_date", "Review date", "", "Next review").
		Describe("methodology_version", "Methodology version", "the methodology version the risk was scored with").
		Columns("ref", "title", "description", "category", "threat", "vulnerability", "asset_ids", "owner_id", "affects_confidentiality",
			"affects_integrity", "affects_availability", "inherent_likelihood", "inherent_impact", "inherent_score", "inherent_level",
			"treatment", "control_ids", "residual_likelihood", "residual_impact", "residual_score", "residual_level", "target_date",
			"status", "review_date", "methodology_version").
		Add(field.Field{Name: "review_reason", Kind: field.String, Input: true, Help: "why the assessment changed, for the reassessment timeline"})

	// ActionEntity is a treatment action of a risk.
	ActionEntity = field.FromStruct("Action", Action{}).Writable("title", "owner_id", "due_date", "status", "version").
			Require("title").OneOf("status", ActionStatuses)

	// SignOffEntity is a risk's sign-off; people send only a comment.
	SignOffEntity = field.FromStruct("SignOff", SignOff{}).Writable("comment")

	// LibraryItemEntity is a threat or a vulnerability of the library.
	LibraryItemEntity = field.FromStruct("LibraryItem", LibraryItem{}).Writable("name", "category", "description", "controls").Require("name")

	// MethodologyEntity is a version of the risk methodology.
	MethodologyEntity = field.FromStruct("Methodology", Methodology{}).
				Writable("likelihood", "impact", "score_rule", "matrix", "levels", "acceptable_up_to").
				Require("likelihood", "impact", "score_rule", "levels", "acceptable_up_to").OneOf("score_rule", []string{ScoreProduct, ScoreMatrix}).
				Shape("likelihood", scaleSchema).Shape("impact", scaleSchema).Shape("levels", levelsSchema).Shape("matrix", matrixSchema).
				Describe("acceptable_up_to", "Acceptable up to", "the label of the highest level whose residual risk is acceptable")

	// ReviewEntity is an entry of a risk's reassessment timeline.
	ReviewEntity = field.FromStruct("RiskReview", RiskReview{})

	// HeatmapEntity counts risks per likelihood and impact.
	HeatmapEntity = field.FromStruct("Heatmap", Heatmap{})

	// RescoreEntity is a risk on an older methodology version and where it would land.
	RescoreEntity = field.FromStruct("RescoreItem", RescoreItem{})
)

// riskInputOf turns decoded values (JSON or form) into a risk input.
func riskInputOf(v field.Values) RiskInput {
	in := RiskInput{
		Ref: v.Str("ref"), Title: v.Str("title"), Description: v.Str("description"), Category: v.Str("category"),
		Threat: v.Str("threat"), Vulnerability: v.Str("vulnerability"), ThreatID: v.NullStr("threat_id"),
		VulnerabilityID: v.NullStr("vulnerability_id"), OwnerID: v.NullStr("owner_id"), Treatment: v.NullStr("treatment"),
		TargetDate: v.NullStr("target_date"), ReviewDate: v.NullStr("review_date"), AssetIDs: v.List("asset_ids"), ControlIDs: v.List("control_ids"),
		AffectsConfidentiality: v.Bool("affects_confidentiality"), AffectsIntegrity: v.Bool("affects_integrity"), AffectsAvailability: v.Bool("affects_availability"),
		InherentLikelihood: v.NullInt("inherent_likelihood"), InherentImpact: v.NullInt("inherent_impact"),
		ResidualLikelihood: v.NullInt("residual_likelihood"), ResidualImpact: v.NullInt("residual_impact"), Status: v.Str("status"),
	}
	if r := v.Str("review_reason"); r != nil {
		in.Reason = *r
	}
	return in
}

// The methodology's structured fields.
var (
	scaleSchema = map[string]any{"type": "array", "minItems": 3, "maxItems": 10, "items": map[string]any{"type": "object", "required": []string{"value", "label"},
		"properties": map[string]any{"value": map[string]any{"type": "integer"}, "label": map[string]any{"type": "string"}, "description": map[string]any{"type": "string"}}}}
	levelsSchema = map[string]any{"type": "array", "minItems": 2, "maxItems": 10, "items": map[string]any{"type": "object", "required": []string{"label", "min", "max"},
		"properties": map[string]any{"label": map[string]any{"type": "string"}, "min": map[string]any{"type": "integer"}, "max": map[string]any{"type": "integer"},
			"color": map[string]any{"type": "string", "pattern": "^(#[0-9a-fA-F]{6})?$", "description": "#rrggbb, or empty for the default colour"}}}}
	matrixSchema = map[string]any{"type": "array", "description": "rows per likelihood, cells per impact; for score_rule matrix",
		"items": map[string]any{"type": "array", "items": map[string]any{"type": "integer"}}}
)
