// Package password hashes and checks passwords with argon2id, bounding how many
// hashes run at once: each costs tens of MiB, and a burst of sign-ins must not
// exhaust memory.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory      uint32 // KiB
	Iterations  uint32
	Parallelism uint8
}

// DefaultParams follow RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes) scaled
// down to one pass: about 0.1–0.2 s per hash on one core here.
var DefaultParams = Params{Memory: 64 * 1024, Iterations: 1, Parallelism: 2}

// TestParams are cheap, for tests only.
var TestParams = Params{Memory: 1024, Iterations: 1, Parallelism: 1}

// Hasher hashes and verifies passwords, at most Concurrency at a time.
type Hasher struct {
	params Params
	sem    chan struct{}
	dummy  string
}

// NewHasher returns a hasher with p; concurrency 0 means the number of CPUs.
func NewHasher(p Params, concurrency int) *Hasher {
	if concurrency <= 0 {
		concurrency = runtime.NumCPU()
	}
	h := &Hasher{params: p, sem: make(chan struct{}, concurrency)}
	// The dummy has the real parameters, so checking against it costs a real hash, but random bytes
	// for its key: hashing one at start took 0.15 s and left 64 MiB resident before any sign-in.
	salt, key := make([]byte, 16), make([]byte, 32)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(key)
	h.dummy = encode(p, salt, key)
	return h
}

// ErrMismatch means the password does not match the hash.
var ErrMismatch = errors.New("password does not match")

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Hash returns the PHC-style encoding of an argon2id hash of pw with a random salt.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer func() { <-h.sem }()
	return h.hash(pw)
}

func (h *Hasher) hash(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, h.params.Iterations, h.params.Memory, h.params.Parallelism, 32)
	return encode(h.params, salt, key), nil
}

// encode writes a hash in the PHC string format.
func encode(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Iterations,
		p.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify checks pw against encoded. An empty encoded (unknown user) is compared
// against a dummy hash so the response time does not reveal whether the account exists.
func (h *Hasher) Verify(ctx context.Context, pw, encoded string) error {
	if err := h.acquire(ctx); err != nil {
		return err
	}
	defer func() { <-h.sem }()
	unknown := encoded == ""
	if unknown {
		encoded = h.dummy
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return fmt.Errorf("password hash: unknown format")
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Iterations, &p.Parallelism); err != nil {
		return fmt.Errorf("password hash: parameters: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return fmt.Errorf("password hash: salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return fmt.Errorf("password hash: key: %w", err)
	}
	got := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 || unknown {
		return ErrMismatch
	}
	return nil
}
