package collect

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresOption adjusts the PostgreSQL collector.
type PostgresOption func(*pgx.ConnConfig)

// PostgresDial makes the collector connect only through dial (see
// Allow.Dialer). Host names are handed to dial unresolved, so the dial
// function sees the name the operator listed and checks the address it
// actually connects to.
func PostgresDial(dial DialFunc) PostgresOption {
	return func(c *pgx.ConnConfig) {
		c.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) { return dial(ctx, network, addr) }
		c.LookupFunc = func(_ context.Context, host string) ([]string, error) { return []string{host}, nil }
	}
}

// postgresConnectTimeout applies when the DSN sets no connect_timeout: a
// collector must not wait on an unreachable server for the TCP default.
const postgresConnectTimeout = 5 * time.Second

// Postgres connects to the server dsn names (a URL or key=value string, as
// for libpq) and returns one resource of type "postgres_server" with ID
// "host:port/database". The account needs no privileges beyond connecting:
// every setting read is visible to any role.
//
// Facts:
//
//	server_version        string  e.g. "16.4 (Debian 16.4-1)"
//	server_version_num    int64   e.g. 160004
//	ssl                   bool    the server accepts TLS connections (ssl = on)
//	connection_encrypted  bool    this collector's own connection uses TLS
//	password_encryption   string  "scram-sha-256" or "md5"
//	log_connections       bool
//	log_disconnections    bool
//	superusers            list    roles that are superusers and may log in
//	superuser_count       int64
func Postgres(ctx context.Context, dsn string, opts ...PostgresOption) ([]Resource, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message does not repeat the DSN, which may hold a password.
		return nil, fmt.Errorf("postgres collector: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = postgresConnectTimeout
	}
	for _, o := range opts {
		o(cfg)
	}
	id := net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))) + "/" + cfg.Database
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres collector: %s: %w", id, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	show := func(name string) (string, error) {
		var v string
		// SHOW takes no parameters; names are constants from this file.
		if err := conn.QueryRow(ctx, "SHOW "+name).Scan(&v); err != nil {
			return "", fmt.Errorf("postgres collector: %s: SHOW %s: %w", id, name, err)
		}
		return v, nil
	}
	facts := map[string]any{}
	settings := map[string]string{}
	for _, name := range []string{"server_version", "server_version_num", "ssl", "password_encryption", "log_connections", "log_disconnections"} {
		v, err := show(name)
		if err != nil {
			return nil, err
		}
		settings[name] = v
	}
	num, _ := strconv.ParseInt(settings["server_version_num"], 10, 64)
	facts["server_version"] = settings["server_version"]
	facts["server_version_num"] = num
	facts["ssl"] = settings["ssl"] == "on"
	facts["password_encryption"] = settings["password_encryption"]
	facts["log_connections"] = pgSettingOn(settings["log_connections"])
	facts["log_disconnections"] = pgSettingOn(settings["log_disconnections"])

	var encrypted bool
	err = conn.QueryRow(ctx, "SELECT coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)").Scan(&encrypted)
	if err != nil {
		return nil, fmt.Errorf("postgres collector: %s: pg_stat_ssl: %w", id, err)
	}
	facts["connection_encrypted"] = encrypted

	rows, err := conn.Query(ctx, "SELECT rolname FROM pg_roles WHERE rolsuper AND rolcanlogin ORDER BY rolname")
	if err != nil {
		return nil, fmt.Errorf("postgres collector: %s: pg_roles: %w", id, err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres collector: %s: pg_roles: %w", id, err)
	}
	facts["superusers"] = stringList(names)
	facts["superuser_count"] = int64(len(names))
	return []Resource{{Type: "postgres_server", ID: id, Facts: facts}}, nil
}

// pgSettingOn reads a boolean setting. PostgreSQL 18 turned log_connections
// into a list of aspects ("receipt,authentication"), where "" means none.
func pgSettingOn(v string) bool {
	switch v {
	case "off", "", "false", "0", "no":
		return false
	}
	return true
}
