package bulwark

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// InstanceChain is the audit chain of events that belong to no organisation,
// such as a failed sign-in for an unknown email.
const InstanceChain = ""

// GenesisHash is the "previous hash" of the first entry of every chain.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// AuditEntry is one line of the append-only, hash-chained audit trail.
type AuditEntry struct {
	OrgID      string          `json:"org_id"` // InstanceChain for instance events
	Seq        int64           `json:"seq"`    // gap-free per chain, from 1
	At         time.Time       `json:"at"`     // UTC, microseconds
	ActorID    string          `json:"actor_id"`
	IP         string          `json:"ip"`
	RequestID  string          `json:"request_id"`
	Action     string          `json:"action"`
	EntityType string          `json:"entity_type"`
	EntityID   string          `json:"entity_id"`
	EntityRef  string          `json:"entity_ref"`
	Changes    json.RawMessage `json:"changes"` // {"field":{"before":x,"after":y}}, or {}
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// Change is one field's value before and after.
type Change struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// Changes maps field names to their change; it marshals with sorted keys.
type Changes map[string]Change

// JSON encodes the changes; encoding/json sorts map keys, so the bytes are stable.
func (c Changes) JSON() json.RawMessage {
	if len(c) == 0 {
		return json.RawMessage(`{}`)
	}
	b, err := json.Marshal(c)
	if err != nil { // only unsupported values such as channels; callers pass plain data
		return json.RawMessage(`{}`)
	}
	return b
}

// AuditTimeLayout is how times are written into the hashed form: fixed width, UTC.
const AuditTimeLayout = "2006-01-02T15:04:05.000000Z"

// ComputeHash returns the chain hash of e: SHA-256 over the previous hash and every
// field of the entry in a fixed order. Reordering, altering or removing an entry
// changes a hash that a later entry depends on.
func (e *AuditEntry) ComputeHash() string {
	var b bytes.Buffer
	b.WriteString(e.PrevHash)
	b.WriteByte('\n')
	enc := json.NewEncoder(&b)
	// The slice fixes the order of fields; strings are JSON-escaped, so no field can forge a separator.
	_ = enc.Encode([]any{e.OrgID, e.Seq, e.At.UTC().Format(AuditTimeLayout), e.ActorID, e.IP, e.RequestID,
		e.Action, e.EntityType, e.EntityID, e.EntityRef, string(e.Changes)})
	sum := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(sum[:])
}

// ChainHead is the last entry of a chain: an auditor notes it to detect later rewriting.
type ChainHead struct {
	OrgID string `json:"org_id"`
	Seq   int64  `json:"seq"`
	Hash  string `json:"hash"`
}

// AuditFilter selects audit entries of one chain; zero fields select everything.
type AuditFilter struct {
	ActorID    string
	EntityType string
	EntityID   string
	Action     string
	From, To   *time.Time // inclusive from, exclusive to
	BeforeSeq  int64      // cursor: entries with seq < BeforeSeq
	Limit      int
}

// Added is the change of a field that had no value before.
func Added(v any) Change { return Change{After: v} }

// Checkpoint is a signed statement that a chain ran through an entry: its sequence
// number and hash, signed with an Ed25519 key kept outside the database. Someone
// who can rewrite the database can recompute every hash and the head, but cannot
// sign, so a rewritten chain no longer runs through its checkpoints.
type Checkpoint struct {
	OrgID     string
	Seq       int64
	Hash      string
	SignedAt  time.Time
	Signature []byte
}

// CheckpointMessage is what a checkpoint's signature covers.
func CheckpointMessage(orgID string, seq int64, hash string, signedAt time.Time) []byte {
	return []byte("bulwark-audit-checkpoint/v1\n" + orgID + "\n" + strconv.FormatInt(seq, 10) + "\n" + hash + "\n" +
		signedAt.UTC().Format(AuditTimeLayout) + "\n")
}

// CheckpointSigner signs checkpoints: every Every entries of a chain, the entry
// that completes the interval gets one.
type CheckpointSigner struct {
	Key   ed25519.PrivateKey
	Every int64
}

// PublicKey returns the key that verifies the signer's checkpoints; false when s
// is nil.
func (s *CheckpointSigner) PublicKey() (ed25519.PublicKey, bool) {
	if s == nil || s.Key == nil {
		return nil, false
	}
	return s.Key.Public().(ed25519.PublicKey), true
}

// Due reports whether entry seq needs a checkpoint.
func (s *CheckpointSigner) Due(seq int64) bool { return s != nil && s.Every > 0 && seq%s.Every == 0 }

// Sign returns the checkpoint for entry seq of orgID's chain whose hash is hash.
func (s *CheckpointSigner) Sign(orgID string, seq int64, hash string, at time.Time) Checkpoint {
	at = at.UTC().Truncate(time.Microsecond)
	return Checkpoint{OrgID: orgID, Seq: seq, Hash: hash, SignedAt: at, Signature: ed25519.Sign(s.Key, CheckpointMessage(orgID, seq, hash, at))}
}

// Verify reports whether c's signature is good under pub.
func (c Checkpoint) Verify(pub ed25519.PublicKey) bool {
	return len(c.Signature) == ed25519.SignatureSize && ed25519.Verify(pub, CheckpointMessage(c.OrgID, c.Seq, c.Hash, c.SignedAt), c.Signature)
}

// CheckpointKey derives the Ed25519 key that signs audit checkpoints from the
// instance's secret key (the file beside the data, never in the database), so
// every instance sharing the secret signs with the same key.
func CheckpointKey(secret []byte) ed25519.PrivateKey {
	seed := sha256.Sum256(append([]byte("bulwark audit checkpoint key v1\n"), secret...))
	return ed25519.NewKeyFromSeed(seed[:])
}
