package collect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strings"
)

// tfDocument is the part of `terraform show -json` output the collector reads:
// a plan has planned_values (and configuration), a state has values. See
// https://developer.hashicorp.com/terraform/internals/json-format.
type tfDocument struct {
	FormatVersion string    `json:"format_version"`
	PlannedValues *tfValues `json:"planned_values"`
	Values        *tfValues `json:"values"`
	Configuration *tfConfig `json:"configuration"`
}

type tfValues struct {
	RootModule tfModule `json:"root_module"`
}

type tfModule struct {
	Address      string       `json:"address"`
	Resources    []tfResource `json:"resources"`
	ChildModules []tfModule   `json:"child_modules"`
}

type tfResource struct {
	Address string         `json:"address"`
	Mode    string         `json:"mode"`
	Type    string         `json:"type"`
	Name    string         `json:"name"`
	Index   any            `json:"index"`
	Values  map[string]any `json:"values"`
	// module is the address of the module instance holding the resource
	// ("" for the root module), filled in while walking.
	module string
}

type tfConfig struct {
	RootModule tfConfigModule `json:"root_module"`
}

type tfConfigModule struct {
	Resources   []tfConfigResource      `json:"resources"`
	ModuleCalls map[string]tfModuleCall `json:"module_calls"`
}

type tfModuleCall struct {
	Module tfConfigModule `json:"module"`
}

type tfConfigResource struct {
	Address     string                  `json:"address"`
	Expressions map[string]tfExpression `json:"expressions"`
}

type tfExpression struct {
	References []string `json:"references"`
}

// Terraform reads the JSON of `terraform show -json` for a plan (resources as
// planned) or a state (resources as they are) and returns one resource per
// managed resource of a type it knows, with Type the Terraform type and ID
// the resource's address. Settings that newer AWS and Google providers moved
// into resources of their own (aws_s3_bucket_versioning, a bucket's IAM
// member …) are folded into the resource they configure, matched by the
// bucket or group they name, or, in a plan where that name is not known yet,
// by the configuration's reference to it.
//
// Facts by type:
//
//	aws_s3_bucket           encrypted, kms, public, public_access_block, logging, versioning (bool)
//	aws_security_group      open_ingress (list of {port_from, port_to int64, protocol, cidr}),
//	                        open_to_world, open_ssh, open_rdp (bool)
//	aws_db_instance         storage_encrypted, publicly_accessible, multi_az, deletion_protection (bool),
//	                        backup_retention_period int64 (absent when unknown)
//	aws_ebs_volume          encrypted
//	aws_cloudtrail          logging, multi_region, log_file_validation
//	google_storage_bucket   public, uniform_access, logging, versioning, encrypted (always true:
//	                        Google encrypts all data), cmek (a customer-managed key is set)
//	azurerm_storage_account https_only bool, min_tls_version string, public bool
//
// Every fact is present for every resource, with the provider's default when
// the attribute is absent, except where noted.
func Terraform(data []byte) ([]Resource, error) {
	var doc tfDocument
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("terraform collector: not terraform show -json output: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("terraform collector: not terraform show -json output: data after the JSON document")
	}
	values := doc.PlannedValues
	if values == nil {
		values = doc.Values
	}
	if values == nil {
		if doc.FormatVersion == "" {
			return nil, errors.New("terraform collector: not terraform show -json output: no format_version, planned_values or values")
		}
		return []Resource{}, nil // an empty state has only format_version
	}
	var all []*tfResource
	walkTFModule(&values.RootModule, "", &all)
	refs := tfReferences(doc.Configuration)
	idx := newTFIndex(all, refs)

	out := []Resource{}
	for _, r := range all {
		if r.Mode != "managed" {
			continue
		}
		var facts map[string]any
		switch r.Type {
		case "aws_s3_bucket":
			facts = s3Facts(r, idx)
		case "aws_security_group":
			facts = securityGroupFacts(r, idx)
		case "aws_db_instance":
			facts = dbInstanceFacts(r)
		case "aws_ebs_volume":
			facts = map[string]any{"encrypted": tfBool(r.Values, "encrypted", false)}
		case "aws_cloudtrail":
			facts = map[string]any{
				"logging":             tfBool(r.Values, "enable_logging", true),
				"multi_region":        tfBool(r.Values, "is_multi_region_trail", false),
				"log_file_validation": tfBool(r.Values, "enable_log_file_validation", false),
			}
		case "google_storage_bucket":
			facts = gcsFacts(r, idx)
		case "azurerm_storage_account":
			facts = azureStorageFacts(r)
		default:
			continue
		}
		out = append(out, Resource{Type: r.Type, ID: r.Address, Facts: facts})
	}
	return out, nil
}

func walkTFModule(m *tfModule, addr string, out *[]*tfResource) {
	for i := range m.Resources {
		r := &m.Resources[i]
		r.module = addr
		if r.Values == nil {
			r.Values = map[string]any{}
		}
		*out = append(*out, r)
	}
	for i := range m.ChildModules {
		walkTFModule(&m.ChildModules[i], m.ChildModules[i].Address, out)
	}
}

// tfReferences maps a configuration address (module path without instance
// keys, e.g. "module.storage.aws_s3_bucket_versioning.logs") to the
// resource addresses each of its expressions refers to, made absolute in the
// same module ("module.storage.aws_s3_bucket.logs").
func tfReferences(c *tfConfig) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	if c == nil {
		return out
	}
	var walk func(m *tfConfigModule, prefix string, depth int)
	walk = func(m *tfConfigModule, prefix string, depth int) {
		if depth > 64 { // modules cannot nest this deep; stop a malicious document
			return
		}
		for _, r := range m.Resources {
			exprs := map[string][]string{}
			for attr, e := range r.Expressions {
				for _, ref := range e.References {
					exprs[attr] = append(exprs[attr], prefix+ref)
				}
			}
			out[prefix+r.Address] = exprs
		}
		for name, call := range m.ModuleCalls {
			walk(&call.Module, prefix+"module."+name+".", depth+1)
		}
	}
	walk(&c.RootModule, "", 0)
	return out
}

// instanceKeys removes instance keys from an address: module.a["x"].aws_s3_bucket.b[0]
// becomes module.a.aws_s3_bucket.b.
var instanceKeys = regexp.MustCompile(`\[[^\]]*\]`)

func configAddress(addr string) string { return instanceKeys.ReplaceAllString(addr, "") }

// tfIndex finds the resources that configure another one.
type tfIndex struct {
	byType map[string][]*tfResource
	refs   map[string]map[string][]string
}

func newTFIndex(all []*tfResource, refs map[string]map[string][]string) *tfIndex {
	idx := &tfIndex{byType: map[string][]*tfResource{}, refs: refs}
	for _, r := range all {
		if r.Mode == "managed" {
			idx.byType[r.Type] = append(idx.byType[r.Type], r)
		}
	}
	return idx
}

// attached returns the resources of type typ whose attribute attr names
// target: by value, equal to one of target's identifying attributes (its
// bucket name, id …), or, when the value is not known yet (a plan), by the
// configuration referring to target's resource block from the same module
// instance and with the same instance key.
func (idx *tfIndex) attached(typ, attr string, target *tfResource, idAttrs ...string) []*tfResource {
	var ids []string
	for _, a := range idAttrs {
		if s := tfString(target.Values, a, ""); s != "" {
			ids = append(ids, s)
		}
	}
	targetCfg := configAddress(target.Address)
	var out []*tfResource
	for _, r := range idx.byType[typ] {
		if v := tfString(r.Values, attr, ""); v != "" {
			// Google's bucket IAM resources record the bucket as "b/<name>".
			if slices.Contains(ids, v) || strings.HasPrefix(typ, "google_") && slices.Contains(ids, strings.TrimPrefix(v, "b/")) {
				out = append(out, r)
			}
			continue
		}
		if r.module != target.module || !tfSameIndex(r.Index, target.Index) {
			continue
		}
		for _, ref := range idx.refs[configAddress(r.Address)][attr] {
			// A reference names the block or one attribute of it:
			// "aws_s3_bucket.logs" or "aws_s3_bucket.logs.id".
			if ref == targetCfg || strings.HasPrefix(ref, targetCfg+".") {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// tfSameIndex compares instance keys; a resource without count or for_each
// goes with any instance.
func tfSameIndex(a, b any) bool {
	if a == nil || b == nil {
		return true
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func s3Facts(b *tfResource, idx *tfIndex) map[string]any {
	attached := func(typ string) []*tfResource { return idx.attached(typ, "bucket", b, "bucket", "id") }

	encrypted, kms := false, false
	sseRules := func(v map[string]any) {
		for _, cfg := range tfBlocks(v, "server_side_encryption_configuration") {
			for _, rule := range tfBlocks(cfg, "rule") {
				for _, def := range tfBlocks(rule, "apply_server_side_encryption_by_default") {
					encrypted = true
					kms = kms || strings.HasPrefix(tfString(def, "sse_algorithm", ""), "aws:kms")
				}
			}
		}
	}
	sseRules(b.Values) // AWS provider 3: a block on the bucket
	for _, r := range attached("aws_s3_bucket_server_side_encryption_configuration") {
		for _, rule := range tfBlocks(r.Values, "rule") {
			for _, def := range tfBlocks(rule, "apply_server_side_encryption_by_default") {
				encrypted = true
				kms = kms || strings.HasPrefix(tfString(def, "sse_algorithm", ""), "aws:kms")
			}
		}
	}

	acls := []string{tfString(b.Values, "acl", "")}
	for _, r := range attached("aws_s3_bucket_acl") {
		acls = append(acls, tfString(r.Values, "acl", ""))
	}
	public := slices.ContainsFunc(acls, func(a string) bool { return a == "public-read" || a == "public-read-write" })
	// A public access block that leaves any of its four switches off lets a
	// bucket policy or ACL make the bucket public; one with all four on
	// overrides whatever the ACL says.
	blocked := false
	for _, r := range attached("aws_s3_bucket_public_access_block") {
		all := true
		for _, k := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
			all = all && tfBool(r.Values, k, false)
		}
		if all {
			blocked = true
		} else {
			public = true
		}
	}
	if blocked {
		public = false
	}

	logging := len(tfBlocks(b.Values, "logging")) > 0 || len(attached("aws_s3_bucket_logging")) > 0

	versioning := false
	for _, v := range tfBlocks(b.Values, "versioning") {
		versioning = versioning || tfBool(v, "enabled", false)
	}
	for _, r := range attached("aws_s3_bucket_versioning") {
		for _, v := range tfBlocks(r.Values, "versioning_configuration") {
			versioning = versioning || tfString(v, "status", "") == "Enabled"
		}
	}
	return map[string]any{
		"encrypted": encrypted, "kms": kms, "public": public, "public_access_block": blocked,
		"logging": logging, "versioning": versioning,
	}
}

func securityGroupFacts(sg *tfResource, idx *tfIndex) map[string]any {
	type rule struct {
		from, to int64
		proto    string
		cidrs    []string
	}
	var rules []rule
	for _, in := range tfBlocks(sg.Values, "ingress") {
		rules = append(rules, rule{tfInt(in, "from_port", 0), tfInt(in, "to_port", 0), tfString(in, "protocol", ""),
			append(tfStrings(in, "cidr_blocks"), tfStrings(in, "ipv6_cidr_blocks")...)})
	}
	for _, r := range idx.attached("aws_security_group_rule", "security_group_id", sg, "id") {
		if tfString(r.Values, "type", "") != "ingress" {
			continue
		}
		rules = append(rules, rule{tfInt(r.Values, "from_port", 0), tfInt(r.Values, "to_port", 0), tfString(r.Values, "protocol", ""),
			append(tfStrings(r.Values, "cidr_blocks"), tfStrings(r.Values, "ipv6_cidr_blocks")...)})
	}
	for _, r := range idx.attached("aws_vpc_security_group_ingress_rule", "security_group_id", sg, "id") {
		var cidrs []string
		for _, k := range []string{"cidr_ipv4", "cidr_ipv6"} {
			if c := tfString(r.Values, k, ""); c != "" {
				cidrs = append(cidrs, c)
			}
		}
		rules = append(rules, rule{tfInt(r.Values, "from_port", 0), tfInt(r.Values, "to_port", 0), tfString(r.Values, "ip_protocol", ""), cidrs})
	}

	open := []any{}
	ssh, rdp := false, false
	for _, r := range rules {
		proto := strings.ToLower(r.proto)
		from, to := r.from, r.to
		allProtocols := proto == "-1" || proto == "all"
		if allProtocols {
			from, to = 0, 65535 // AWS ignores the ports of an all-protocol rule
		}
		for _, c := range r.cidrs {
			if c != "0.0.0.0/0" && c != "::/0" {
				continue
			}
			open = append(open, map[string]any{"port_from": from, "port_to": to, "protocol": r.proto, "cidr": c})
			tcp := allProtocols || proto == "tcp" || proto == "6"
			ssh = ssh || tcp && from <= 22 && 22 <= to
			rdp = rdp || tcp && from <= 3389 && 3389 <= to
		}
	}
	return map[string]any{"open_ingress": open, "open_to_world": len(open) > 0, "open_ssh": ssh, "open_rdp": rdp}
}

func dbInstanceFacts(r *tfResource) map[string]any {
	f := map[string]any{
		"storage_encrypted":   tfBool(r.Values, "storage_encrypted", false),
		"publicly_accessible": tfBool(r.Values, "publicly_accessible", false),
		"multi_az":            tfBool(r.Values, "multi_az", false),
		"deletion_protection": tfBool(r.Values, "deletion_protection", false),
	}
	// The provider computes the retention when it is not set, so a plan may
	// not know it: then the fact is absent rather than a guess.
	if _, ok := r.Values["backup_retention_period"]; ok {
		f["backup_retention_period"] = tfInt(r.Values, "backup_retention_period", 0)
	}
	return f
}

func gcsFacts(b *tfResource, idx *tfIndex) map[string]any {
	attached := func(typ string) []*tfResource { return idx.attached(typ, "bucket", b, "name", "id") }
	everyone := func(m string) bool { return m == "allUsers" || m == "allAuthenticatedUsers" }
	public := false
	for _, r := range attached("google_storage_bucket_iam_member") {
		public = public || everyone(tfString(r.Values, "member", ""))
	}
	for _, r := range attached("google_storage_bucket_iam_binding") {
		public = public || slices.ContainsFunc(tfStrings(r.Values, "members"), everyone)
	}
	uniform := tfBool(b.Values, "uniform_bucket_level_access", false)
	if !uniform { // object ACLs count only while uniform access is off
		for _, r := range attached("google_storage_bucket_acl") {
			for _, e := range tfStrings(r.Values, "role_entity") {
				_, entity, _ := strings.Cut(e, ":")
				public = public || everyone(entity)
			}
			public = public || tfString(r.Values, "predefined_acl", "") == "publicRead"
		}
	}
	if tfString(b.Values, "public_access_prevention", "") == "enforced" {
		public = false // Google refuses public grants on such a bucket
	}
	cmek := false
	for _, e := range tfBlocks(b.Values, "encryption") {
		cmek = cmek || tfString(e, "default_kms_key_name", "") != ""
	}
	versioning := false
	for _, v := range tfBlocks(b.Values, "versioning") {
		versioning = versioning || tfBool(v, "enabled", false)
	}
	return map[string]any{
		"public": public, "uniform_access": uniform, "logging": len(tfBlocks(b.Values, "logging")) > 0,
		"versioning": versioning, "encrypted": true, "cmek": cmek,
	}
}

func azureStorageFacts(r *tfResource) map[string]any {
	// azurerm 4 renamed enable_https_traffic_only and dropped the old
	// allow_blob_public_access (azurerm 2); whichever is present counts.
	https := tfBool(r.Values, "https_traffic_only_enabled", tfBool(r.Values, "enable_https_traffic_only", true))
	public := tfBool(r.Values, "allow_nested_items_to_be_public", tfBool(r.Values, "allow_blob_public_access", false))
	return map[string]any{
		"https_only":      https,
		"min_tls_version": tfString(r.Values, "min_tls_version", "TLS1_2"),
		"public":          public,
	}
}

// tfBlocks returns a nested block as a list of objects: Terraform writes
// blocks as lists (or a single object for some attributes).
func tfBlocks(v map[string]any, key string) []map[string]any {
	var out []map[string]any
	switch x := v[key].(type) {
	case []any:
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
	case map[string]any:
		out = append(out, x)
	}
	return out
}

func tfBool(v map[string]any, key string, def bool) bool {
	if b, ok := v[key].(bool); ok {
		return b
	}
	return def
}

func tfString(v map[string]any, key, def string) string {
	if s, ok := v[key].(string); ok {
		return s
	}
	return def
}

func tfInt(v map[string]any, key string, def int64) int64 {
	switch n := v[key].(type) {
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i
		}
		if f, err := n.Float64(); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) && math.Abs(f) < 1<<62 {
			return int64(f)
		}
	case string: // some providers write numbers as strings ("22")
		var i int64
		if _, err := fmt.Sscan(n, &i); err == nil {
			return i
		}
	}
	return def
}

func tfStrings(v map[string]any, key string) []string {
	var out []string
	if list, ok := v[key].([]any); ok {
		for _, e := range list {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}
