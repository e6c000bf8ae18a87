package password_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bulwark-isms/bulwark/password"
)

func TestHashAndVerify(t *testing.T) {
	h := password.NewHasher(password.TestParams, 2)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("unexpected encoding %q", enc)
	}
	tests := []struct {
		name, pw, enc string
		want          error
	}{
		{"right password", "correct horse battery", enc, nil},
		{"wrong password", "correct horse batterx", enc, password.ErrMismatch},
		{"unknown user", "correct horse battery", "", password.ErrMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := h.Verify(ctx, tt.pw, tt.enc); !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	if err := h.Verify(ctx, "x", "$bcrypt$nonsense"); err == nil || errors.Is(err, password.ErrMismatch) {
		t.Fatalf("a malformed hash must be an error of its own, got %v", err)
	}
}
