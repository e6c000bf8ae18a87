package app

import (
	"strings"
	"testing"
)

func TestSealRoundTripBoundToOrganisation(t *testing.T) {
	s := &Service{cfg: Config{SecretKey: []byte(strings.Repeat("k", 32))}}
	sealed, err := s.Seal("org-a", []byte("postgres://auditor:hunter2@db.internal/app"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "hunter2") || !strings.HasPrefix(sealed, "v1:") {
		t.Fatalf("sealed value shows the secret: %s", sealed)
	}
	if got, err := s.Unseal("org-a", sealed); err != nil || string(got) != "postgres://auditor:hunter2@db.internal/app" {
		t.Fatalf("unseal: %q %v", got, err)
	}
	if _, err := s.Unseal("org-b", sealed); err == nil {
		t.Fatal("a sealed value opened in another organisation")
	}
	other := &Service{cfg: Config{SecretKey: []byte(strings.Repeat("x", 32))}}
	if _, err := other.Unseal("org-a", sealed); err == nil {
		t.Fatal("another key opened it")
	}
	if _, err := (&Service{}).Seal("org-a", []byte("x")); err == nil {
		t.Fatal("sealed without a key")
	}
}
