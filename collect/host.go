package collect

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// maxConfigFile bounds how much of one configuration file the host collector
// reads: real ones are a few kilobytes, and a huge file under a mounted image
// must not exhaust memory.
const maxConfigFile = 1 << 20

// maxIncludeDepth is sshd's own limit on nested Include directives.
const maxIncludeDepth = 16

// Host reads the Linux file system under root ("/" when empty) and returns one
// resource of type "host", named after etc/hostname (or "host" without one).
//
// Every path is opened through an os.Root, so symbolic links inside an image
// mounted at root cannot lead the collector out of it. A file that is missing
// is a fact (the feature is absent), never an error; an unreadable etc/shadow
// (run without privileges) gives shadow_readable=false. Other read errors are
// returned.
//
// Facts:
//
//	hostname                 string
//	os                       string   PRETTY_NAME of etc/os-release, "" when unknown
//	ssh                      map      present bool; when present also permit_root_login,
//	                                  password_authentication, permit_empty_passwords,
//	                                  x11_forwarding, pubkey_authentication,
//	                                  kbd_interactive_authentication, protocol (strings,
//	                                  lower case) and max_auth_tries, client_alive_interval
//	                                  (int64, seconds) — sshd's defaults where unset
//	login_defs               map      present bool, pass_max_days, pass_min_days,
//	                                  pass_warn_age, pass_min_len int64 (-1 when unset)
//	firewall                 map      enabled bool, tool "ufw"|"firewalld"|"nftables"|"iptables"|""
//	auto_updates             map      enabled bool, tool "unattended-upgrades"|"dnf-automatic"|""
//	time_sync                map      enabled bool, tool "chrony"|"ntp"|"systemd-timesyncd"|""
//	disk_encryption          map      enabled bool, volumes int64 (entries in etc/crypttab)
//	listening                list     {address string, port int64, proto "tcp"|"tcp6"}
//	listening_ports          list     int64, sorted, unique
//	shadow_readable          bool
//	empty_password_accounts  list     account names whose etc/shadow password field is empty
func Host(root string) ([]Resource, error) {
	if root == "" {
		root = "/"
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("host collector: open %s: %w", root, err)
	}
	defer r.Close()
	h := &hostReader{root: r, fsys: r.FS()}

	facts := map[string]any{}
	id := "host"
	if b, ok, err := h.read("etc/hostname"); err != nil {
		return nil, err
	} else if ok {
		if name := strings.TrimSpace(firstLine(b)); name != "" {
			id = name
		}
	}
	facts["hostname"] = id

	steps := []struct {
		key string
		fn  func() (any, error)
	}{
		{"os", h.osRelease},
		{"ssh", h.sshd},
		{"login_defs", h.loginDefs},
		{"firewall", h.firewall},
		{"auto_updates", h.autoUpdates},
		{"time_sync", h.timeSync},
		{"disk_encryption", h.crypttab},
	}
	for _, s := range steps {
		v, err := s.fn()
		if err != nil {
			return nil, fmt.Errorf("host collector: %s: %w", s.key, err)
		}
		facts[s.key] = v
	}
	listening, ports, err := h.listening()
	if err != nil {
		return nil, fmt.Errorf("host collector: listening sockets: %w", err)
	}
	facts["listening"] = listening
	facts["listening_ports"] = ports
	readable, empty, err := h.shadow()
	if err != nil {
		return nil, fmt.Errorf("host collector: shadow: %w", err)
	}
	facts["shadow_readable"] = readable
	facts["empty_password_accounts"] = empty
	return []Resource{{Type: "host", ID: id, Facts: facts}}, nil
}

// hostReader reads files below the collector's root.
type hostReader struct {
	root *os.Root
	fsys fs.FS
}

// errUnreadable marks a file that exists but that this process may not read.
var errUnreadable = errors.New("permission denied")

// read returns the first maxConfigFile bytes of name (relative to the root).
// ok is false when the file does not exist; a permission error is returned as
// errUnreadable so callers that expect it (etc/shadow) can record it.
func (h *hostReader) read(name string) (data []byte, ok bool, err error) {
	f, err := h.root.Open(name)
	if err != nil {
		return nil, false, h.classify(name, err)
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, maxConfigFile))
	if err != nil {
		// A directory where a file was expected is as good as missing.
		if errors.Is(err, syscall.EISDIR) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("read %s: %w", name, h.classify(name, err))
	}
	return data, true, nil
}

// classify maps "not there" errors to nil and permission errors to errUnreadable.
func (h *hostReader) classify(name string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return nil
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: %w", name, errUnreadable)
	}
	return err
}

// readOptional is read for files whose unreadability is not worth failing for:
// a config file only root may read is treated as missing.
func (h *hostReader) readOptional(name string) ([]byte, bool, error) {
	b, ok, err := h.read(name)
	if errors.Is(err, errUnreadable) {
		return nil, false, nil
	}
	return b, ok, err
}

// exists reports whether name exists (any file type).
func (h *hostReader) exists(name string) bool {
	_, err := h.root.Lstat(name)
	return err == nil
}

// glob lists files matching pattern (fs.Glob syntax, relative to the root),
// sorted. Invalid patterns match nothing.
func (h *hostReader) glob(pattern string) []string {
	m, err := fs.Glob(h.fsys, pattern)
	if err != nil {
		return nil
	}
	return m // fs.Glob returns names in lexical order, as sshd and apt read them
}

// unitEnabled reports whether a systemd unit is enabled, i.e. linked into some
// etc/systemd/system/*.wants directory. Only the link's name is looked at, not
// its (usually absolute) target.
func (h *hostReader) unitEnabled(units ...string) bool {
	for _, u := range units {
		if len(h.glob("etc/systemd/system/*.wants/"+u)) > 0 {
			return true
		}
	}
	return false
}

func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

// lines calls fn for every line of b with comments (from '#') and surrounding
// space removed, skipping empty ones.
func lines(b []byte, fn func(line string)) {
	for l := range strings.SplitSeq(string(b), "\n") {
		if i := strings.IndexByte(l, '#'); i >= 0 {
			l = l[:i]
		}
		if l = strings.TrimSpace(l); l != "" {
			fn(l)
		}
	}
}

func (h *hostReader) osRelease() (any, error) {
	for _, name := range []string{"etc/os-release", "usr/lib/os-release"} {
		b, ok, err := h.readOptional(name)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		pretty := ""
		for l := range strings.SplitSeq(string(b), "\n") {
			if v, found := strings.CutPrefix(strings.TrimSpace(l), "PRETTY_NAME="); found {
				pretty = unquoteShell(v)
			}
		}
		return pretty, nil
	}
	return "", nil
}

// unquoteShell removes the single or double quotes os-release values may have,
// with the backslash escapes the format allows inside double quotes.
func unquoteShell(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		q := v[0]
		v = v[1 : len(v)-1]
		if q == '"' {
			var sb strings.Builder
			for i := 0; i < len(v); i++ {
				if v[i] == '\\' && i+1 < len(v) {
					i++
				}
				sb.WriteByte(v[i])
			}
			v = sb.String()
		}
	}
	return v
}

// sshdDefaults are the values sshd uses for the options we report when the
// configuration does not set them (OpenSSH 9, sshd_config(5)).
var sshdDefaults = map[string]string{
	"permitrootlogin":                 "prohibit-password",
	"passwordauthentication":          "yes",
	"permitemptypasswords":            "no",
	"x11forwarding":                   "no",
	"maxauthtries":                    "6",
	"protocol":                        "2",
	"pubkeyauthentication":            "yes",
	"kbdinteractiveauthentication":    "yes",
	"clientaliveinterval":             "0",
	"challengeresponseauthentication": "", // an old alias, folded into kbdinteractiveauthentication
}

func (h *hostReader) sshd() (any, error) {
	const main = "etc/ssh/sshd_config"
	b, ok, err := h.readOptional(main)
	if err != nil {
		return nil, err
	}
	if !ok {
		return map[string]any{"present": false}, nil
	}
	set := map[string]string{}
	if err := h.parseSSHD(b, set, 0); err != nil {
		return nil, err
	}
	if _, ok := set["kbdinteractiveauthentication"]; !ok {
		if v, ok := set["challengeresponseauthentication"]; ok {
			set["kbdinteractiveauthentication"] = v
		}
	}
	val := func(k string) string {
		if v, ok := set[k]; ok {
			return v
		}
		return sshdDefaults[k]
	}
	root := val("permitrootlogin")
	if root == "without-password" { // the deprecated spelling of the same setting
		root = "prohibit-password"
	}
	return map[string]any{
		"present":                        true,
		"permit_root_login":              root,
		"password_authentication":        val("passwordauthentication"),
		"permit_empty_passwords":         val("permitemptypasswords"),
		"x11_forwarding":                 val("x11forwarding"),
		"pubkey_authentication":          val("pubkeyauthentication"),
		"kbd_interactive_authentication": val("kbdinteractiveauthentication"),
		"protocol":                       val("protocol"),
		"max_auth_tries":                 intOr(val("maxauthtries"), 6),
		"client_alive_interval":          sshSeconds(val("clientaliveinterval")),
	}, nil
}

// parseSSHD records the first value of every keyword, as sshd does, following
// Include directives in place. Settings inside a Match block apply only to some
// connections, so the rest of the file after a Match line is not read as global
// (an included file's Match block ends with that file, as in OpenSSH ≥ 8.2).
func (h *hostReader) parseSSHD(b []byte, set map[string]string, depth int) error {
	if depth > maxIncludeDepth {
		return errors.New("sshd_config: too many nested Include directives")
	}
	var err error
	lines(b, func(l string) {
		if err != nil {
			return
		}
		key, rest := splitSSHD(l)
		switch key {
		case "match":
			err = errStopFile // the rest of this file is conditional
			return
		case "include":
			for _, pattern := range strings.Fields(rest) {
				pattern = strings.Trim(pattern, `"`)
				if !strings.HasPrefix(pattern, "/") {
					pattern = "/etc/ssh/" + pattern
				}
				for _, name := range h.glob(strings.TrimPrefix(path.Clean(pattern), "/")) {
					inc, ok, rerr := h.readOptional(name)
					if rerr != nil {
						err = rerr
						return
					}
					if ok {
						if perr := h.parseSSHD(inc, set, depth+1); perr != nil {
							err = perr
							return
						}
					}
				}
			}
			return
		}
		if _, known := sshdDefaults[key]; !known {
			return
		}
		if _, seen := set[key]; seen {
			return // first value wins
		}
		if f := strings.Fields(rest); len(f) > 0 {
			set[key] = strings.ToLower(strings.Trim(f[0], `"`))
		}
	})
	if errors.Is(err, errStopFile) {
		return nil
	}
	return err
}

// errStopFile ends the reading of one sshd_config file at a Match line.
var errStopFile = errors.New("match block")

// splitSSHD splits "Keyword value" or "Keyword=value" into a lower-case keyword
// and the rest.
func splitSSHD(l string) (key, rest string) {
	i := strings.IndexAny(l, " \t=")
	if i < 0 {
		return strings.ToLower(l), ""
	}
	key, rest = strings.ToLower(l[:i]), strings.TrimSpace(l[i:])
	rest = strings.TrimSpace(strings.TrimPrefix(rest, "="))
	return key, rest
}

// sshSeconds reads an sshd time value ("300", "5m", "1h30m") as seconds; -1
// when it cannot be read.
func sshSeconds(v string) int64 {
	var total, n int64
	digits := false
	for _, c := range strings.ToLower(v) {
		switch {
		case c >= '0' && c <= '9':
			n = n*10 + int64(c-'0')
			digits = true
		case digits && strings.ContainsRune("smhdw", c):
			total += n * sshUnit(c)
			n, digits = 0, false
		default:
			return -1
		}
	}
	return total + n
}

func sshUnit(c rune) int64 {
	switch c {
	case 'm':
		return 60
	case 'h':
		return 3600
	case 'd':
		return 86400
	case 'w':
		return 604800
	}
	return 1
}

func intOr(v string, def int64) int64 {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return def
	}
	return n
}

func (h *hostReader) loginDefs() (any, error) {
	b, ok, err := h.readOptional("etc/login.defs")
	if err != nil {
		return nil, err
	}
	out := map[string]any{"present": ok, "pass_max_days": int64(-1), "pass_min_days": int64(-1), "pass_warn_age": int64(-1), "pass_min_len": int64(-1)}
	lines(b, func(l string) {
		f := strings.Fields(l)
		if len(f) < 2 {
			return
		}
		if k := strings.ToLower(f[0]); strings.HasPrefix(k, "pass_") {
			if _, want := out[k]; want {
				out[k] = intOr(f[1], -1)
			}
		}
	})
	return out, nil
}

func (h *hostReader) firewall() (any, error) {
	result := func(tool string) any { return map[string]any{"enabled": tool != "", "tool": tool} }
	// ufw and firewalld drive nftables or iptables themselves, so they are
	// asked first: their own switch says whether the operator turned them on.
	b, ok, err := h.readOptional("etc/ufw/ufw.conf")
	if err != nil {
		return nil, err
	}
	enabled := false
	lines(b, func(l string) {
		if k, v, found := strings.Cut(l, "="); found && strings.TrimSpace(k) == "ENABLED" {
			enabled = strings.EqualFold(unquoteShell(v), "yes")
		}
	})
	if ok && enabled {
		return result("ufw"), nil
	}
	if h.unitEnabled("firewalld.service") {
		return result("firewalld"), nil
	}
	b, ok, err = h.readOptional("etc/nftables.conf")
	if err != nil {
		return nil, err
	}
	if ok && nftFilters(b) {
		return result("nftables"), nil
	}
	for _, name := range []string{"etc/iptables/rules.v4", "etc/iptables/rules.v6", "etc/sysconfig/iptables", "etc/sysconfig/ip6tables"} {
		b, ok, err := h.readOptional(name)
		if err != nil {
			return nil, err
		}
		filters := false
		lines(b, func(l string) {
			// "-A INPUT …" is a rule; ":INPUT DROP [0:0]" a restrictive default policy.
			if strings.HasPrefix(l, "-A ") || (strings.HasPrefix(l, ":") && strings.Contains(l, " DROP")) {
				filters = true
			}
		})
		if ok && filters {
			return result("iptables"), nil
		}
	}
	return result(""), nil
}

// nftFilters reports whether an nftables ruleset has at least one rule or a
// drop policy in some chain. Debian ships an nftables.conf whose chains are
// empty; that filters nothing and does not count.
func nftFilters(b []byte) bool {
	var stack []string // header of each open block, "chain input" …
	var stmt strings.Builder
	found := false
	inChain := func() bool {
		return len(stack) > 0 && strings.HasPrefix(stack[len(stack)-1], "chain")
	}
	end := func() {
		s := strings.TrimSpace(stmt.String())
		stmt.Reset()
		if s == "" || !inChain() {
			return
		}
		first, _, _ := strings.Cut(s, " ")
		switch first {
		case "type", "priority", "comment", "device", "devices":
			if strings.Contains(s, "policy drop") {
				found = true
			}
		case "policy":
			if strings.Contains(s, "drop") {
				found = true
			}
		default:
			found = true
		}
	}
	comment := false
	for _, c := range string(b) {
		switch {
		case comment:
			if c == '\n' {
				comment = false
				end()
			}
		case c == '#':
			comment = true
		case c == '{':
			stack = append(stack, strings.TrimSpace(stmt.String()))
			stmt.Reset()
		case c == '}':
			end()
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case c == ';' || c == '\n':
			end()
		default:
			stmt.WriteRune(c)
		}
	}
	end()
	return found
}

func (h *hostReader) autoUpdates() (any, error) {
	result := func(on bool, tool string) any { return map[string]any{"enabled": on, "tool": tool} }
	// apt reads apt.conf.d in lexical order and a later value overrides an
	// earlier one. Only the one-line "A::B::C" form is read, not nested blocks.
	value, set := "", false
	for _, name := range h.glob("etc/apt/apt.conf.d/*") {
		b, _, err := h.readOptional(name)
		if err != nil {
			return nil, err
		}
		for l := range strings.SplitSeq(string(b), "\n") {
			l = strings.TrimSpace(l)
			if strings.HasPrefix(l, "//") || strings.HasPrefix(l, "#") {
				continue
			}
			rest, ok := cutPrefixFold(l, "APT::Periodic::Unattended-Upgrade")
			if !ok {
				continue
			}
			if q := strings.Split(rest, `"`); len(q) >= 3 {
				value, set = q[1], true
			}
		}
	}
	if set {
		return result(value != "0" && value != "", "unattended-upgrades"), nil
	}
	// dnf-automatic applies updates when its timer runs and apply_updates is
	// yes; the -install timer applies them whatever the file says.
	b, ok, err := h.readOptional("etc/dnf/automatic.conf")
	if err != nil {
		return nil, err
	}
	apply := false
	lines(b, func(l string) {
		if k, v, found := strings.Cut(l, "="); found && strings.TrimSpace(k) == "apply_updates" {
			v = strings.ToLower(strings.TrimSpace(v))
			apply = v == "yes" || v == "true" || v == "1"
		}
	})
	if h.unitEnabled("dnf-automatic-install.timer") || (apply && h.unitEnabled("dnf-automatic.timer")) {
		return result(true, "dnf-automatic"), nil
	}
	if ok {
		return result(false, "dnf-automatic"), nil
	}
	return result(false, ""), nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return "", false
}

// timeSync reports the first time synchronisation service found. An installed
// configuration file counts as enabled: the packages enable their service on
// installation, and an offline image has no running state to ask.
func (h *hostReader) timeSync() (any, error) {
	candidates := []struct {
		tool  string
		files []string
		units []string
	}{
		{"chrony", []string{"etc/chrony.conf", "etc/chrony/chrony.conf"}, []string{"chrony.service", "chronyd.service"}},
		{"ntp", []string{"etc/ntp.conf", "etc/ntpsec/ntp.conf"}, []string{"ntp.service", "ntpd.service", "ntpsec.service"}},
		{"systemd-timesyncd", []string{"etc/systemd/timesyncd.conf"}, []string{"systemd-timesyncd.service"}},
	}
	for _, c := range candidates {
		found := h.unitEnabled(c.units...)
		for _, f := range c.files {
			found = found || h.exists(f)
		}
		if found {
			return map[string]any{"enabled": true, "tool": c.tool}, nil
		}
	}
	return map[string]any{"enabled": false, "tool": ""}, nil
}

func (h *hostReader) crypttab() (any, error) {
	b, _, err := h.readOptional("etc/crypttab")
	if err != nil {
		return nil, err
	}
	var n int64
	lines(b, func(string) { n++ })
	return map[string]any{"enabled": n > 0, "volumes": n}, nil
}

// listening reads the kernel's socket tables (proc/net/tcp and tcp6) for
// sockets in state 0A (LISTEN). Under "/" that is the live system's network
// namespace; under an image root it is whatever was captured there.
func (h *hostReader) listening() (list, ports []any, err error) {
	type sock struct {
		addr  netip.Addr
		port  int64
		proto string
	}
	var socks []sock
	for _, proto := range []string{"tcp", "tcp6"} {
		f, err := h.root.Open("proc/net/" + proto)
		if err != nil {
			if h.classify("proc/net/"+proto, err) == nil || errors.Is(err, fs.ErrPermission) {
				continue
			}
			return nil, nil, err
		}
		sc := bufio.NewScanner(f)
		header := true
		for sc.Scan() {
			if header { // "  sl  local_address rem_address   st …"
				header = false
				continue
			}
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 || fields[3] != "0A" {
				continue
			}
			addr, port, ok := parseProcAddr(fields[1])
			if ok {
				socks = append(socks, sock{addr, port, proto})
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("read proc/net/%s: %w", proto, err)
		}
	}
	slices.SortFunc(socks, func(a, b sock) int {
		if a.port != b.port {
			return int(a.port - b.port)
		}
		if c := a.addr.Compare(b.addr); c != 0 {
			return c
		}
		return strings.Compare(a.proto, b.proto)
	})
	socks = slices.Compact(socks) // SO_REUSEPORT listeners appear once per socket
	list, ports = []any{}, []any{}
	for i, s := range socks {
		list = append(list, map[string]any{"address": s.addr.String(), "port": s.port, "proto": s.proto})
		if i == 0 || socks[i-1].port != s.port {
			ports = append(ports, s.port)
		}
	}
	return list, ports, nil
}

// parseProcAddr decodes "0100007F:0016" (IPv4) or a 32-digit IPv6 address:
// the address is stored as 32-bit words in host (little-endian) order, the
// port as big-endian hex.
func parseProcAddr(s string) (netip.Addr, int64, bool) {
	hexAddr, hexPort, ok := strings.Cut(s, ":")
	if !ok {
		return netip.Addr{}, 0, false
	}
	port, err := strconv.ParseUint(hexPort, 16, 16)
	if err != nil {
		return netip.Addr{}, 0, false
	}
	raw, err := hex.DecodeString(hexAddr)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.Addr{}, 0, false
	}
	for w := 0; w < len(raw); w += 4 {
		raw[w], raw[w+1], raw[w+2], raw[w+3] = raw[w+3], raw[w+2], raw[w+1], raw[w]
	}
	addr, _ := netip.AddrFromSlice(raw)
	return addr.Unmap(), int64(port), true
}

// shadow lists accounts whose password field is empty: anyone may log in as
// them without a password where PAM allows it ("!" or "*" mean locked).
func (h *hostReader) shadow() (readable bool, empty []any, err error) {
	b, ok, err := h.read("etc/shadow")
	if errors.Is(err, errUnreadable) {
		return false, []any{}, nil
	}
	if err != nil {
		return false, nil, err
	}
	var names []string
	lines(b, func(l string) {
		f := strings.Split(l, ":")
		if len(f) >= 2 && f[0] != "" && f[1] == "" {
			names = append(names, f[0])
		}
	})
	slices.Sort(names)
	return ok, stringList(names), nil
}
