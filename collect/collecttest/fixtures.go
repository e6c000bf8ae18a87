package collecttest

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Fixtures are a Linux root (hostroot/: SSH, login.defs, firewall, updates,
// time sync, disk encryption, listening sockets, an account without a password)
// and Terraform's JSON output (terraform/plan.json and state.json), written in
// the formats the real systems use.
//
//go:embed hostroot terraform
var Fixtures embed.FS

// WriteHostRoot copies the fixture Linux root into dir, for the host collector
// to read as it reads "/".
func WriteHostRoot(dir string) error {
	return fs.WalkDir(Fixtures, "hostroot", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("hostroot", path)
		dst := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := Fixtures.ReadFile(path)
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if d.Name() == "shadow" {
			mode = 0o600
		}
		if err := os.WriteFile(dst, b, mode); err != nil {
			return fmt.Errorf("write fixture %s: %w", rel, err)
		}
		return nil
	})
}

// TerraformPlan is the fixture plan in `terraform show -json` form.
func TerraformPlan() []byte {
	b, _ := Fixtures.ReadFile("terraform/plan.json") // embedded: present in every build
	return b
}
