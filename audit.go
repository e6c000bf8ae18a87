package bulwark

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
