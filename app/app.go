// Package app is the authorization and tenant-scoping layer above storage: every
// operation takes the acting Principal, checks the permission it needs, confines
// itself to the principal's organisation and writes the audit entry in the same
// transaction as the change. The web server, the API and the CLI all call it.
package app

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"github.com/bulwark-isms/bulwark/blobstore"
	"github.com/bulwark-isms/bulwark/schedule"
	"log/slog"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/password"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// Config holds the service's tunables.
type Config struct {
	BaseURL         string // public URL, for invitation and reset links
	SessionIdle     time.Duration
	SessionMax      time.Duration
	RolePermissions bulwark.RolePermissions // nil: CONTRACT's table
	// Throttling of failed sign-ins within ThrottleWindow.
	ThrottleWindow     time.Duration
	MaxFailuresAccount int
	MaxFailuresIP      int
	// CheckpointKey signs audit checkpoints (bulwark.CheckpointKey derives it from
	// the instance's secret key file); nil writes and checks none.
	CheckpointKey ed25519.PrivateKey
	// CheckpointEvery is how many entries of a chain apart checkpoints are; 0: 100.
	CheckpointEvery int64
	// Blobs stores evidence files (--blob-url); nil refuses uploads.
	Blobs *blobstore.Store
	// SecretKey is the instance's secret key (the file beside the data): it encrypts
	// stored secrets such as collector credentials; nil refuses to store any.
	SecretKey []byte
	// CollectorAllow is the --collector-allow setting: the hosts, networks and path
	// prefixes server-side collectors may reach ("" reaches nothing).
	CollectorAllow string
}

// DefaultCheckpointEvery is how many audit entries apart signed checkpoints are.
const DefaultCheckpointEvery = 100

// Service is Bulwark's core. Its methods are safe for concurrent use.
type Service struct {
	DB     *sqlstore.DB
	Hasher *password.Hasher
	Log    *slog.Logger
	cfg    Config

	seeders []Seeder
	jobs    map[string]schedule.Handler   // kind → handler, for the scheduler serve runs
	due     []DueProvider                 // the areas' due items, for the daily outbox
	imports map[string]bulwark.Permission // upload kind → the permission of its register's import
	snaps   *snapshots                    // organisation-wide results kept until the organisation changes
}

// Seeder gives a new organisation what an area starts it with (a methodology, a
// library), in the transaction that creates the organisation.
type Seeder func(ctx context.Context, tx *sqlstore.Tx, orgID string) error

// AddJob registers the handler of a kind of background job (checks due, the
// daily outbox). Areas call it while the program starts.
func (s *Service) AddJob(kind string, h schedule.Handler) {
	if s.jobs == nil {
		s.jobs = map[string]schedule.Handler{}
	}
	s.jobs[kind] = h
}

// Jobs returns the registered job handlers by kind.
func (s *Service) Jobs() map[string]schedule.Handler { return s.jobs }

// AddSeeder registers an area's seeder. Areas call it while the program starts,
// before the service is used.
func (s *Service) AddSeeder(fn Seeder) { s.seeders = append(s.seeders, fn) }

// New returns a Service over db.
func New(db *sqlstore.DB, hasher *password.Hasher, log *slog.Logger, cfg Config) *Service {
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 30 * time.Minute
	}
	if cfg.SessionMax <= 0 {
		cfg.SessionMax = 12 * time.Hour
	}
	if cfg.RolePermissions == nil {
		cfg.RolePermissions = bulwark.DefaultRolePermissions()
	}
	if cfg.ThrottleWindow <= 0 {
		cfg.ThrottleWindow = 15 * time.Minute
	}
	if cfg.MaxFailuresAccount <= 0 {
		cfg.MaxFailuresAccount = 5
	}
	if cfg.MaxFailuresIP <= 0 {
		cfg.MaxFailuresIP = 30
	}
	if log == nil {
		log = slog.Default()
	}
	if cfg.CheckpointEvery <= 0 {
		cfg.CheckpointEvery = DefaultCheckpointEvery
	}
	if cfg.CheckpointKey != nil && db.Checkpoints == nil {
		db.Checkpoints = &bulwark.CheckpointSigner{Key: cfg.CheckpointKey, Every: cfg.CheckpointEvery}
	}
	s := &Service{DB: db, Hasher: hasher, Log: log, cfg: cfg, snaps: &snapshots{m: map[snapshotKey]snapshot{}}}
	s.AddJob(JobCheckpoints, s.checkpointJob)
	s.AddJob(JobOutbox, s.outboxJob)
	return s
}

// Config returns the service configuration.
func (s *Service) Config() Config { return s.cfg }

// Permissions returns what role may do.
func (s *Service) Permissions(role bulwark.Role) bulwark.PermissionSet {
	return s.cfg.RolePermissions[role]
}

// Meta describes the request an action comes from, for the audit trail.
type Meta struct {
	ActorID   string
	IP        string
	RequestID string
}

// MetaOf returns the audit metadata of a principal.
func MetaOf(p *bulwark.Principal) Meta {
	return Meta{ActorID: p.ActorID, IP: p.IP, RequestID: p.RequestID}
}

// CLIPrincipal is the principal of a CLI command run by osUser without --as: it
// acts with the owner's permissions and is recorded as "cli:OS-USER".
func (s *Service) CLIPrincipal(org *bulwark.Organisation, osUser string) *bulwark.Principal {
	return &bulwark.Principal{Org: *org, Role: bulwark.RoleOwner, Permissions: s.Permissions(bulwark.RoleOwner), ActorID: "cli:" + osUser, System: true}
}

// Require returns EFORBIDDEN unless p holds perm.
func Require(p *bulwark.Principal, perm bulwark.Permission) error {
	if p == nil || !p.Can(perm) {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "Your role does not allow this.")
	}
	return nil
}

// Audit appends an entry for an action of m on an entity of organisation orgID.
func Audit(ctx context.Context, tx *sqlstore.Tx, orgID string, m Meta, action, entityType, entityID, entityRef string, changes bulwark.Changes) error {
	return tx.AppendAudit(ctx, &bulwark.AuditEntry{
		OrgID: orgID, ActorID: m.ActorID, IP: m.IP, RequestID: m.RequestID,
		Action: action, EntityType: entityType, EntityID: entityID, EntityRef: entityRef, Changes: changes.JSON(),
	})
}

// newSecret returns a random URL-safe secret of n bytes and the hex SHA-256 stored in its place.
func newSecret(n int) (secret, hash string) {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

// HashSecret returns the hex SHA-256 of a token, session id or link secret: only
// hashes are stored, so a database leak yields no usable credential.
func HashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Set copies v onto *dst when given and different, recording the change of field.
func Set[T comparable](ch bulwark.Changes, field string, dst *T, v *T) {
	if v != nil && *v != *dst {
		ch[field] = bulwark.Change{Before: *dst, After: *v}
		*dst = *v
	}
}

// SetOpt is set for an optional value, where a given nil clears it.
func SetOpt[T comparable](ch bulwark.Changes, field string, dst **T, v **T) {
	if v != nil && !EqPtr(*dst, *v) {
		ch[field] = bulwark.Change{Before: *dst, After: *v}
		*dst = *v
	}
}

func EqPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// Blobs is the store of evidence files, or nil when the instance has none.
func (s *Service) Blobs() *blobstore.Store { return s.cfg.Blobs }

// CollectorAllow is the --collector-allow setting.
func (s *Service) CollectorAllow() string { return s.cfg.CollectorAllow }
