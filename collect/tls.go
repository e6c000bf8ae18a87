package collect

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"time"
)

// TLSOption adjusts the TLS collector.
type TLSOption func(*tlsConfig)

type tlsConfig struct {
	roots *x509.CertPool
	now   func() time.Time
}

// TLSExtraRoots adds certificate authorities trusted besides the system's
// (a private CA, or a test's own).
func TLSExtraRoots(pool *x509.CertPool) TLSOption {
	return func(c *tlsConfig) { c.roots = pool }
}

// TLSClock sets the time certificates are judged at (the current time by default).
func TLSClock(now func() time.Time) TLSOption {
	return func(c *tlsConfig) { c.now = now }
}

// tlsHandshakeTimeout bounds each of the five handshakes.
const tlsHandshakeTimeout = 10 * time.Second

// TLS connects to target ("host:port") through dial (a plain net.Dialer when
// nil) and returns one resource of type "tls_endpoint" with ID target.
//
// The handshake accepts any certificate so that an invalid one can still be
// described; the chain and the host name are then verified separately, against
// the system roots (and TLSExtraRoots). Each protocol version from TLS 1.0 to
// 1.3 is then tried on its own connection. An unreachable target or a failed
// first handshake is an error.
//
// Facts:
//
//	valid                bool    chain and host name verified
//	verify_error         string  why not, "" when valid
//	subject, issuer      string  of the leaf certificate
//	dns_names            list    the leaf's DNS subject alternative names
//	not_before, not_after string RFC 3339, UTC
//	days_to_expiry       int64   whole days left, rounded down; negative once expired
//	protocol             string  negotiated: "TLS1.3", "TLS1.2" …
//	cipher_suite         string  negotiated, as Go names it
//	tls1_0 … tls1_3      bool    whether the server completes a handshake at that version only
//	key_algorithm        string  "RSA", "ECDSA", "Ed25519"
//	key_bits             int64   RSA modulus or curve size
//	signature_algorithm  string  e.g. "SHA256-RSA", "ECDSA-SHA256"
func TLS(ctx context.Context, target string, dial DialFunc, opts ...TLSOption) ([]Resource, error) {
	cfg := tlsConfig{now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	host, _, err := net.SplitHostPort(target)
	if err != nil {
		return nil, fmt.Errorf("tls collector: target %q: want host:port: %w", target, err)
	}
	if dial == nil {
		d := &net.Dialer{Timeout: dialTimeout}
		dial = d.DialContext
	}

	// Go's client offers TLS 1.0 and 1.1 only when MinVersion asks for them,
	// so the main handshake sets it: a server that speaks nothing newer can
	// still be described (and flagged).
	state, err := tlsHandshake(ctx, dial, target, host, tls.VersionTLS10, tls.VersionTLS13)
	if err != nil {
		return nil, fmt.Errorf("tls collector: %s: %w", target, err)
	}
	if len(state.PeerCertificates) == 0 {
		return nil, fmt.Errorf("tls collector: %s: the server sent no certificate", target)
	}
	leaf := state.PeerCertificates[0]
	now := cfg.now()

	verifyErr := verifyChain(state.PeerCertificates, host, now, cfg.roots)
	facts := map[string]any{
		"valid":               verifyErr == nil,
		"verify_error":        "",
		"subject":             leaf.Subject.String(),
		"issuer":              leaf.Issuer.String(),
		"dns_names":           stringList(leaf.DNSNames),
		"not_before":          leaf.NotBefore.UTC().Format(time.RFC3339),
		"not_after":           leaf.NotAfter.UTC().Format(time.RFC3339),
		"days_to_expiry":      floorDays(leaf.NotAfter.Sub(now)),
		"protocol":            tlsVersionName(state.Version),
		"cipher_suite":        tls.CipherSuiteName(state.CipherSuite),
		"key_algorithm":       leaf.PublicKeyAlgorithm.String(),
		"key_bits":            keyBits(leaf.PublicKey),
		"signature_algorithm": leaf.SignatureAlgorithm.String(),
	}
	if verifyErr != nil {
		facts["verify_error"] = verifyErr.Error()
	}

	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13} {
		_, err := tlsHandshake(ctx, dial, target, host, v, v)
		var dialErr *dialError
		switch {
		case errors.As(err, &dialErr):
			// The server answered a moment ago; failing to reach it now would
			// make "false" a lie, so the whole collection fails instead.
			return nil, fmt.Errorf("tls collector: %s: probing %s: %w", target, tlsVersionName(v), err)
		case ctx.Err() != nil:
			return nil, fmt.Errorf("tls collector: %s: %w", target, ctx.Err())
		}
		// A handshake error means the version is refused. Go does not speak
		// SSL 3.0 at all, so it is not probed; in FIPS 140-3 mode Go cannot
		// offer TLS 1.0 or 1.1 either, and those two then read false even if
		// the server would accept them.
		facts[tlsFactName(v)] = err == nil
	}
	return []Resource{{Type: "tls_endpoint", ID: target, Facts: facts}}, nil
}

// dialError marks a failure to connect, as opposed to a refused handshake.
type dialError struct{ err error }

// Error returns the dial error's message.
func (e *dialError) Error() string { return e.err.Error() }

// Unwrap gives errors.Is access to the dial error (a collector-allow refusal).
func (e *dialError) Unwrap() error { return e.err }

// tlsHandshake connects and completes a handshake offering versions min..max,
// accepting any certificate (it is verified afterwards).
func tlsHandshake(ctx context.Context, dial DialFunc, target, host string, min, max uint16) (tls.ConnectionState, error) {
	ctx, cancel := context.WithTimeout(ctx, tlsHandshakeTimeout)
	defer cancel()
	raw, err := dial(ctx, "tcp", target)
	if err != nil {
		return tls.ConnectionState{}, &dialError{err}
	}
	defer raw.Close()
	conf := &tls.Config{
		ServerName:         host,
		InsecureSkipVerify: true, // verified by verifyChain, so invalid certificates can be reported
		MinVersion:         min,
		MaxVersion:         max,
	}
	if net.ParseIP(host) != nil {
		conf.ServerName = "" // no SNI for addresses
	}
	c := tls.Client(raw, conf)
	if err := c.HandshakeContext(ctx); err != nil {
		return tls.ConnectionState{}, err
	}
	return c.ConnectionState(), nil
}

// verifyChain verifies the server's chain and host name against the system
// roots and, failing that, the extra roots.
func verifyChain(certs []*x509.Certificate, host string, now time.Time, extra *x509.CertPool) error {
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{DNSName: host, Intermediates: inter, CurrentTime: now}
	system, sysErr := x509.SystemCertPool()
	var err error
	if sysErr == nil {
		opts.Roots = system
		if _, err = certs[0].Verify(opts); err == nil {
			return nil
		}
	} else {
		err = fmt.Errorf("system roots unavailable: %w", sysErr)
	}
	if extra != nil {
		opts.Roots = extra
		if _, extraErr := certs[0].Verify(opts); extraErr == nil {
			return nil
		} else if sysErr != nil {
			err = extraErr
		}
	}
	return err
}

// floorDays converts a duration to whole days, rounding towards minus
// infinity: a certificate that expired an hour ago has -1 days left, not 0.
func floorDays(d time.Duration) int64 {
	days := int64(d / (24 * time.Hour))
	if d < 0 && d%(24*time.Hour) != 0 {
		days--
	}
	return days
}

func keyBits(pub any) int64 {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return int64(k.N.BitLen())
	case *ecdsa.PublicKey:
		return int64(k.Curve.Params().BitSize)
	case ed25519.PublicKey:
		return 256
	}
	return 0
}

func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLS1.0"
	case tls.VersionTLS11:
		return "TLS1.1"
	case tls.VersionTLS12:
		return "TLS1.2"
	case tls.VersionTLS13:
		return "TLS1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

func tlsFactName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "tls1_0"
	case tls.VersionTLS11:
		return "tls1_1"
	case tls.VersionTLS12:
		return "tls1_2"
	}
	return "tls1_3"
}
