package collect_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark/collect"
)

// testPKI is a CA and a leaf certificate made for one test.
type testPKI struct {
	roots *x509.CertPool
	leaf  tls.Certificate
}

// newTestPKI issues a P-256 leaf for names (DNS names or IPs) valid from
// notBefore to notAfter, signed by a fresh CA.
func newTestPKI(t *testing.T, names []string, notBefore, notAfter time.Time) testPKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Bulwark Test CA"},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0], Organization: []string{"Bulwark Test"}},
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tpl.IPAddresses = append(tpl.IPAddresses, ip)
		} else {
			tpl.DNSNames = append(tpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return testPKI{roots: pool, leaf: tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}}
}

// serveTLS runs a TLS server on loopback until the test ends and returns its address.
func serveTLS(t *testing.T, conf *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				_ = c.(*tls.Conn).Handshake()
			}()
		}
	}()
	return ln.Addr().String()
}

func TestTLS(t *testing.T) {
	now := time.Now()
	tenDays := newTestPKI(t, []string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(10*24*time.Hour+time.Hour))
	expired := newTestPKI(t, []string{"127.0.0.1"}, now.Add(-30*24*time.Hour), now.Add(-time.Hour))
	otherName := newTestPKI(t, []string{"other.example"}, now.Add(-time.Hour), now.Add(90*24*time.Hour))

	tests := []struct {
		name   string
		pki    testPKI
		server *tls.Config
		roots  bool // trust the test CA
		byName bool // connect to localhost:port rather than 127.0.0.1:port
		want   map[string]any
	}{
		{
			name: "modern server", pki: tenDays, roots: true,
			want: map[string]any{
				"valid": true, "verify_error": "", "days_to_expiry": int64(10), "protocol": "TLS1.3",
				"tls1_0": false, "tls1_1": false, "tls1_2": true, "tls1_3": true, // Go servers refuse < 1.2 by default
				"key_algorithm": "ECDSA", "key_bits": int64(256), "signature_algorithm": "ECDSA-SHA256",
				"subject": "CN=127.0.0.1,O=Bulwark Test", "issuer": "CN=Bulwark Test CA",
			},
		},
		{
			name: "TLS 1.2 at most", pki: tenDays, roots: true, server: &tls.Config{MaxVersion: tls.VersionTLS12},
			want: map[string]any{"valid": true, "protocol": "TLS1.2", "tls1_2": true, "tls1_3": false},
		},
		{
			name: "legacy versions accepted", pki: tenDays, roots: true, server: &tls.Config{MinVersion: tls.VersionTLS10},
			want: map[string]any{"tls1_0": true, "tls1_1": true, "tls1_2": true, "tls1_3": true},
		},
		{
			name: "unknown CA", pki: tenDays, roots: false,
			want: map[string]any{"valid": false, "verify_error": "x509: certificate signed by unknown authority"},
		},
		{
			name: "expired", pki: expired, roots: true,
			want: map[string]any{"valid": false, "days_to_expiry": int64(-1)},
		},
		{
			name: "wrong name", pki: otherName, roots: true, byName: true,
			want: map[string]any{"valid": false, "verify_error": "x509: certificate is valid for other.example, not localhost"},
		},
		{
			name: "certificate without the address", pki: otherName, roots: true,
			want: map[string]any{"valid": false, "verify_error": "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf := &tls.Config{}
			if tt.server != nil {
				conf = tt.server.Clone()
			}
			conf.Certificates = []tls.Certificate{tt.pki.leaf}
			addr := serveTLS(t, conf)
			if tt.byName {
				addr = strings.Replace(addr, "127.0.0.1", "localhost", 1)
			}
			var opts []collect.TLSOption
			if tt.roots {
				opts = append(opts, collect.TLSExtraRoots(tt.pki.roots))
			}
			res, err := collect.TLS(context.Background(), addr, nil, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 1 || res[0].Type != "tls_endpoint" || res[0].ID != addr {
				t.Fatalf("resources = %+v", res)
			}
			f := res[0].Facts
			for k, want := range tt.want {
				if got := f[k]; got != want {
					t.Errorf("%s = %#v, want %#v", k, got, want)
				}
			}
			if tt.name == "expired" && !strings.Contains(f["verify_error"].(string), "expired") {
				t.Errorf("verify_error = %q, want it to say expired", f["verify_error"])
			}
			for _, k := range []string{"not_before", "not_after"} {
				if _, err := time.Parse(time.RFC3339, f[k].(string)); err != nil {
					t.Errorf("%s = %q is not RFC 3339", k, f[k])
				}
			}
		})
	}
}

// The dial function decides what may be reached.
func TestTLSRefusedByAllow(t *testing.T) {
	pki := newTestPKI(t, []string{"127.0.0.1"}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	addr := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{pki.leaf}})
	allow, err := collect.ParseAllow("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	_, err = collect.TLS(context.Background(), addr, allow.Dialer())
	if !errors.Is(err, collect.ErrNotAllowed) {
		t.Fatalf("err = %v, want a collector-allow refusal", err)
	}
}

func TestTLSBadTarget(t *testing.T) {
	for _, target := range []string{"", "no-port", "127.0.0.1:1"} {
		if _, err := collect.TLS(context.Background(), target, nil); err == nil {
			t.Errorf("TLS(%q): want an error", target)
		}
	}
}
