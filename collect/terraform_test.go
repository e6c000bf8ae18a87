package collect_test

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark/collect"
)

func TestTerraform(t *testing.T) {
	port := func(from, to int64, proto, cidr string) map[string]any {
		return map[string]any{"port_from": from, "port_to": to, "protocol": proto, "cidr": cidr}
	}
	tests := []struct {
		file string
		want []collect.Resource
	}{
		{"collecttest/terraform/plan.json", []collect.Resource{
			{Type: "aws_s3_bucket", ID: "aws_s3_bucket.logs", Facts: map[string]any{
				"encrypted": true, "kms": true, "public": false, "public_access_block": true, "logging": false, "versioning": true}},
			// Its name is not known before apply: the ACL and the access block
			// are matched through the configuration's references.
			{Type: "aws_s3_bucket", ID: "aws_s3_bucket.site", Facts: map[string]any{
				"encrypted": false, "kms": false, "public": true, "public_access_block": false, "logging": false, "versioning": false}},
			{Type: "aws_security_group", ID: "aws_security_group.web", Facts: map[string]any{
				"open_ingress":  []any{port(443, 443, "tcp", "0.0.0.0/0"), port(443, 443, "tcp", "::/0")},
				"open_to_world": true, "open_ssh": false, "open_rdp": false}},
			{Type: "aws_security_group", ID: "aws_security_group.bastion", Facts: map[string]any{
				"open_ingress":  []any{port(22, 22, "tcp", "0.0.0.0/0")},
				"open_to_world": true, "open_ssh": true, "open_rdp": false}},
			{Type: "aws_cloudtrail", ID: "aws_cloudtrail.main", Facts: map[string]any{
				"logging": true, "multi_region": true, "log_file_validation": false}},
			{Type: "aws_db_instance", ID: "module.database.aws_db_instance.main", Facts: map[string]any{
				"storage_encrypted": true, "publicly_accessible": false, "multi_az": true, "deletion_protection": true,
				"backup_retention_period": int64(14)}},
			{Type: "aws_ebs_volume", ID: "module.database.aws_ebs_volume.scratch", Facts: map[string]any{"encrypted": false}},
			{Type: "aws_db_instance", ID: "module.database.module.replica.aws_db_instance.this", Facts: map[string]any{
				"storage_encrypted": false, "publicly_accessible": true, "multi_az": false, "deletion_protection": false}},
			{Type: "google_storage_bucket", ID: `module.assets["eu"].google_storage_bucket.this`, Facts: map[string]any{
				"public": true, "uniform_access": true, "logging": true, "versioning": false, "encrypted": true, "cmek": false}},
		}},
		{"collecttest/terraform/state.json", []collect.Resource{
			{Type: "aws_s3_bucket", ID: "aws_s3_bucket.legacy", Facts: map[string]any{
				"encrypted": true, "kms": false, "public": false, "public_access_block": false, "logging": false, "versioning": true}},
			{Type: "aws_s3_bucket", ID: "aws_s3_bucket.data[0]", Facts: map[string]any{
				"encrypted": false, "kms": false, "public": false, "public_access_block": false, "logging": true, "versioning": false}},
			{Type: "aws_s3_bucket", ID: "aws_s3_bucket.data[1]", Facts: map[string]any{
				"encrypted": false, "kms": false, "public": false, "public_access_block": false, "logging": false, "versioning": false}},
			{Type: "aws_security_group", ID: "aws_security_group.db", Facts: map[string]any{
				"open_ingress":  []any{port(0, 65535, "-1", "0.0.0.0/0")},
				"open_to_world": true, "open_ssh": true, "open_rdp": true}},
			{Type: "aws_ebs_volume", ID: "aws_ebs_volume.boot", Facts: map[string]any{"encrypted": true}},
			{Type: "aws_cloudtrail", ID: "aws_cloudtrail.org", Facts: map[string]any{
				"logging": false, "multi_region": false, "log_file_validation": true}},
			{Type: "azurerm_storage_account", ID: "azurerm_storage_account.main", Facts: map[string]any{
				"https_only": true, "min_tls_version": "TLS1_0", "public": false}},
			{Type: "azurerm_storage_account", ID: "azurerm_storage_account.old", Facts: map[string]any{
				"https_only": false, "min_tls_version": "TLS1_2", "public": true}},
			// allUsers is granted, but public access prevention is enforced.
			{Type: "google_storage_bucket", ID: "google_storage_bucket.private", Facts: map[string]any{
				"public": false, "uniform_access": true, "logging": false, "versioning": true, "encrypted": true, "cmek": true}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := collect.Terraform(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Errorf("%d resources, want %d", len(got), len(tt.want))
			}
			for i := range min(len(got), len(tt.want)) {
				if !reflect.DeepEqual(got[i], tt.want[i]) {
					g, _ := json.Marshal(got[i])
					w, _ := json.Marshal(tt.want[i])
					t.Errorf("resource %d:\n got %s\nwant %s", i, g, w)
				}
			}
		})
	}
}

func TestTerraformInput(t *testing.T) {
	tests := []struct {
		name, data string
		wantErr    string // "" for success with no resources
	}{
		{"empty state", `{"format_version":"1.0"}`, ""},
		{"empty input", ``, "not terraform show -json output"},
		{"truncated", `{"format_version":"1.0","values":{"root_module":{`, "not terraform show -json output"},
		{"an array", `[1,2]`, "not terraform show -json output"},
		{"unrelated JSON", `{"hello":"world"}`, "no format_version"},
		{"trailing data", `{"format_version":"1.0"} {}`, "data after the JSON document"},
		{"wrong types", `{"format_version":"1.0","values":{"root_module":{"resources":"x"}}}`, "not terraform show -json output"},
		{"odd values are tolerated", `{"format_version":"1.0","values":{"root_module":{"resources":[
			{"address":"aws_security_group.x","mode":"managed","type":"aws_security_group","values":{"ingress":[null,7,{"from_port":1e400,"to_port":"22","cidr_blocks":[0,"0.0.0.0/0"],"protocol":"tcp"}]}},
			{"address":"aws_s3_bucket.y","mode":"managed","type":"aws_s3_bucket","values":null}]}}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := collect.Terraform([]byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res == nil {
				t.Error("want an empty list, not nil")
			}
		})
	}
}

func FuzzTerraform(f *testing.F) {
	for _, name := range []string{"collecttest/terraform/plan.json", "collecttest/terraform/state.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = collect.Terraform(data) // must not panic
	})
}
