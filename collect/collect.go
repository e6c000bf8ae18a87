// Package collect gathers facts about real systems — a Linux host, a TLS
// endpoint, a git repository, a Terraform plan or state, a PostgreSQL server —
// as Resources that check rules (package checkrule) evaluate.
//
// Collectors only read. Those that reach the network or the file system take a
// DialFunc or a path the caller has checked against the operator's
// --collector-allow setting (see ParseAllow), so a tenant cannot point Bulwark at
// the cloud metadata service or at /etc on the server.
//
// Facts hold only values a CEL rule can use without conversion surprises: bool,
// int64, string, []any and map[string]any of the same. Times are RFC 3339
// strings and durations whole days as int64.
package collect

import (
	"context"
	"net"
)

// Resource is one thing a collector observed, with its facts.
type Resource struct {
	// Type names the kind of thing: "host", "tls_endpoint", "git_repository",
	// "postgres_server", or a Terraform resource type such as "aws_s3_bucket".
	Type string `json:"type"`
	// ID identifies the thing within its type: a host name, "host:port", a
	// path, a Terraform address.
	ID string `json:"id"`
	// Facts are what was observed, keyed by fact name.
	Facts map[string]any `json:"facts"`
}

// DialFunc opens a network connection, like net.Dialer.DialContext. Collectors
// dial only through the one they are given, so the caller decides which
// addresses may be reached (see Allow.Dialer).
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Collector kinds, as used by Builtin.Kind.
const (
	KindHost      = "host"
	KindTLS       = "tls"
	KindGit       = "git"
	KindTerraform = "terraform"
	KindPostgres  = "postgres"
)

// stringList turns names into a CEL list ([]any), since rules see lists as list(dyn).
func stringList(names []string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = n
	}
	return out
}
