package collect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNotAllowed is wrapped by every refusal of an Allow, so callers can tell a
// refused target (a configuration matter, shown to the user) from a failed one.
var ErrNotAllowed = errors.New("collector-allow does not permit")

// dialTimeout bounds one connection attempt; collectors also honour the
// context's deadline.
const dialTimeout = 10 * time.Second

// Allow is the parsed --collector-allow setting: the hosts, addresses and
// directories collectors may reach. The zero value and nil permit nothing.
// An Allow is immutable and safe for concurrent use.
type Allow struct {
	names    []hostEntry   // "db.internal", "*.example.com"
	prefixes []prefixEntry // IPs as /32 or /128, and CIDRs
	paths    []string      // cleaned absolute directories
}

type hostEntry struct {
	name     string // lower case, without the "*." of a wildcard
	wildcard bool   // matches any name below name, not name itself
	port     int    // 0: any port
}

type prefixEntry struct {
	prefix netip.Prefix
	port   int
}

// ParseAllow parses a --collector-allow value: comma-separated entries, each a
// host name ("db.internal", "*.example.com" for any name below example.com), an
// IP address or a CIDR ("10.0.0.0/8"), any of them optionally followed by
// ":port" (IPv6 in brackets: "[2001:db8::/32]:443"), or an absolute directory
// ("/srv/repos"). An empty spec permits nothing.
func ParseAllow(spec string) (*Allow, error) {
	a := &Allow{}
	for raw := range strings.SplitSeq(spec, ",") {
		e := strings.TrimSpace(raw)
		if e == "" {
			continue
		}
		if strings.HasPrefix(e, "/") {
			p := filepath.Clean(e)
			if strings.TrimSpace(p) != p {
				return nil, fmt.Errorf("collector-allow entry %q: a directory may not end in a space", e)
			}
			a.paths = append(a.paths, p)
			continue
		}
		host, port, err := splitAllowEntry(e)
		if err != nil {
			return nil, fmt.Errorf("collector-allow entry %q: %w", e, err)
		}
		if strings.Contains(host, "/") {
			p, err := netip.ParsePrefix(host)
			if err != nil {
				return nil, fmt.Errorf("collector-allow entry %q: not a CIDR: %w", e, err)
			}
			a.prefixes = append(a.prefixes, prefixEntry{p.Masked(), port})
			continue
		}
		if ip, err := netip.ParseAddr(host); err == nil {
			ip = ip.Unmap()
			a.prefixes = append(a.prefixes, prefixEntry{netip.PrefixFrom(ip, ip.BitLen()), port})
			continue
		}
		name := strings.TrimSuffix(strings.ToLower(host), ".")
		wildcard := false
		if rest, ok := strings.CutPrefix(name, "*."); ok {
			name, wildcard = rest, true
		}
		if !validHostName(name) {
			return nil, fmt.Errorf("collector-allow entry %q: not a host name, IP address, CIDR or absolute path", e)
		}
		a.names = append(a.names, hostEntry{name, wildcard, port})
	}
	return a, nil
}

// splitAllowEntry separates an optional port: "host:port", "[v6]:port",
// "[v6]" or a bare IPv6 address or CIDR (which has several colons).
func splitAllowEntry(e string) (host string, port int, err error) {
	if strings.HasPrefix(e, "[") {
		end := strings.IndexByte(e, ']')
		if end < 0 {
			return "", 0, errors.New("missing ]")
		}
		host, rest := e[1:end], e[end+1:]
		if rest == "" {
			return host, 0, nil
		}
		p, ok := strings.CutPrefix(rest, ":")
		if !ok {
			return "", 0, errors.New("unexpected text after ]")
		}
		port, err := parsePort(p)
		return host, port, err
	}
	if strings.Count(e, ":") == 1 {
		h, p, _ := strings.Cut(e, ":")
		port, err := parsePort(p)
		return h, port, err
	}
	return e, 0, nil
}

func parsePort(p string) (int, error) {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %q is not a number from 1 to 65535", p)
	}
	return n, nil
}

// validHostName accepts letters, digits, hyphens and underscores in
// dot-separated labels.
func validHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// String returns the setting in a canonical form, for logs and error pages.
func (a *Allow) String() string {
	if a == nil {
		return ""
	}
	var parts []string
	withPort := func(s string, port int) string {
		if port == 0 {
			return s
		}
		if strings.Contains(s, ":") {
			s = "[" + s + "]"
		}
		return s + ":" + strconv.Itoa(port)
	}
	for _, n := range a.names {
		s := n.name
		if n.wildcard {
			s = "*." + s
		}
		parts = append(parts, withPort(s, n.port))
	}
	for _, p := range a.prefixes {
		s := p.prefix.String()
		if p.prefix.IsSingleIP() {
			s = p.prefix.Addr().String()
		}
		parts = append(parts, withPort(s, p.port))
	}
	parts = append(parts, a.paths...)
	return strings.Join(parts, ",")
}

// nameAllowed reports whether host (a name, not an IP) at port is listed.
func (a *Allow) nameAllowed(host string, port int) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, n := range a.names {
		if n.port != 0 && n.port != port {
			continue
		}
		if n.wildcard && strings.HasSuffix(host, "."+n.name) || !n.wildcard && host == n.name {
			return true
		}
	}
	return false
}

// addrAllowed reports whether ip at port is inside a listed IP or CIDR.
func (a *Allow) addrAllowed(ip netip.Addr, port int) bool {
	ip = ip.Unmap()
	for _, p := range a.prefixes {
		if (p.port == 0 || p.port == port) && p.prefix.Contains(ip) {
			return true
		}
	}
	return false
}

func refuse(target string) error {
	return fmt.Errorf("%w %s", ErrNotAllowed, target)
}

// Dialer returns a DialFunc that connects only where the Allow permits: to a
// listed host name (at whatever address it resolves to, since the operator
// trusts that name), or to an address inside a listed IP or CIDR. The address
// check runs in the dialer's Control hook, on the IP actually being connected,
// so a name that resolves to an allowed address when checked and to another when
// dialled (DNS rebinding) is still refused. Unix sockets are allowed when their
// path is inside a listed directory.
func (a *Allow) Dialer() DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if a == nil {
			return nil, refuse(addr)
		}
		switch network {
		case "unix":
			p, err := a.Path(addr)
			if err != nil {
				return nil, err
			}
			var d net.Dialer
			return d.DialContext(ctx, network, p)
		case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
		default:
			return nil, fmt.Errorf("collector dial: network %q is not supported", network)
		}
		host, portText, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("collector dial %s: %w", addr, err)
		}
		port, err := strconv.Atoi(portText)
		if err != nil {
			return nil, fmt.Errorf("collector dial %s: port is not a number", addr)
		}
		byName := false
		if _, err := netip.ParseAddr(host); err != nil {
			byName = a.nameAllowed(host, port)
			// Without a matching name and with no address entries nothing can
			// pass: refuse before resolving, so the name does not even leak to DNS.
			if !byName && len(a.prefixes) == 0 {
				return nil, refuse(addr)
			}
		}
		d := net.Dialer{
			Timeout: dialTimeout,
			Control: func(_, address string, _ syscall.RawConn) error {
				if byName {
					return nil
				}
				ap, err := netip.ParseAddrPort(address)
				if err != nil {
					return refuse(address)
				}
				if !a.addrAllowed(ap.Addr(), int(ap.Port())) {
					return refuse(netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String())
				}
				return nil
			},
		}
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			// net wraps a Control error in an *OpError ("dial tcp 10.1.2.3:5432:
			// collector-allow does not permit 10.1.2.3:5432"); the user needs only
			// the refusal.
			if errors.Is(err, ErrNotAllowed) {
				return nil, unwrapRefusal(err)
			}
			return nil, err
		}
		return conn, nil
	}
}

// unwrapRefusal returns the innermost error that still wraps ErrNotAllowed.
func unwrapRefusal(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil || !errors.Is(next, ErrNotAllowed) || next == ErrNotAllowed {
			return err
		}
		err = next
	}
}

// Path checks a local path against the listed directories and returns it
// cleaned and with symbolic links resolved, which is the path the caller
// should then use. The path must exist and be absolute. Containment is
// decided per path component, so /srv/repos2 is not inside /srv/repos.
//
// The check cannot stop a link being swapped in after it returns; it keeps
// out paths that lead elsewhere at the time of asking.
func (a *Allow) Path(p string) (string, error) {
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("collector path %q: must be absolute", p)
	}
	if a == nil || len(a.paths) == 0 {
		return "", refuse(p)
	}
	// Lexically inside a listed directory first: a path elsewhere is refused
	// before anything on the disk is touched, so the answer says nothing about
	// what exists outside the list.
	clean := filepath.Clean(p)
	if !slices.ContainsFunc(a.paths, func(d string) bool { return within(d, clean) }) {
		return "", refuse(p)
	}
	resolved, err := filepath.EvalSymlinks(clean)
	if err != nil {
		return "", fmt.Errorf("collector path %s: %w", p, err)
	}
	for _, dir := range a.paths {
		// The listed directory may itself be reached through a link
		// (/srv -> /data/srv); compare against where it really is.
		candidates := []string{dir}
		if real, err := filepath.EvalSymlinks(dir); err == nil && real != dir {
			candidates = append(candidates, real)
		}
		if slices.ContainsFunc(candidates, func(d string) bool { return within(d, resolved) }) {
			return resolved, nil
		}
	}
	return "", refuse(p)
}

// within reports whether p is dir or below it, component by component.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	if err != nil {
		return false
	}
	return rel == "." || rel != ".." && !strings.HasPrefix(rel, "../")
}
