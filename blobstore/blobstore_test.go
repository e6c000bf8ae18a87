package blobstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/bulwark-isms/bulwark"
)

// stores opens the two kinds of store Bulwark supports: a directory, and S3
// (an in-process S3-compatible server, gofakes3, speaking the real protocol).
func stores(t *testing.T) map[string]*Store {
	t.Helper()
	ctx := context.Background()
	fileStore, err := Open(ctx, FileURL(t.TempDir()), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	backend := s3mem.New()
	if err := backend.CreateBucket("evidence"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	s3Store, err := Open(ctx, "s3://evidence?region=us-east-1&use_path_style=true&disable_https=true&endpoint="+srv.URL, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fileStore.Close(); s3Store.Close() })
	return map[string]*Store{"file": fileStore, "s3": s3Store}
}

func TestContentAddressedPerOrganisation(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			content := []byte("firewall rule review, signed 2026-11-30\n")
			sum := sha256.Sum256(content)
			want := hex.EncodeToString(sum[:])
			a1, err := s.Put(ctx, "orgA", bytes.NewReader(content), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if a1.SHA256 != want || a1.Size != int64(len(content)) || a1.Existed || !bytes.Equal(a1.Head, content) {
				t.Fatalf("first put = %+v, want sha %s and new", a1, want)
			}
			a2, err := s.Put(ctx, "orgA", bytes.NewReader(content), 1<<20)
			if err != nil || !a2.Existed {
				t.Fatalf("second put in the same organisation = %+v, %v; want de-duplicated", a2, err)
			}
			// Another organisation uploading the same bytes learns nothing: it is a new object.
			b1, err := s.Put(ctx, "orgB", bytes.NewReader(content), 1<<20)
			if err != nil || b1.Existed {
				t.Fatalf("other organisation's put = %+v, %v; want stored anew", b1, err)
			}
			r, err := s.Open(ctx, "orgA", want)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(r)
			r.Close()
			if !bytes.Equal(got, content) {
				t.Fatalf("read back %q", got)
			}
			if err := s.Delete(ctx, "orgB"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Open(ctx, "orgB", want); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
				t.Fatalf("after deleting orgB, open = %v, want not found", err)
			}
			if ok, _ := s.Exists(ctx, "orgA", want); !ok {
				t.Fatal("deleting orgB removed orgA's file")
			}
		})
	}
}

func TestPutRefusesOversizeWhileStreaming(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			// An endless reader: the cap must stop it, not the end of the input.
			_, err := s.Put(ctx, "orgA", endless{}, 1<<20)
			if bulwark.ErrorCode(err) != bulwark.ETOOLARGE {
				t.Fatalf("put of an endless body = %v, want too large", err)
			}
			exact := strings.Repeat("x", 1<<20)
			if _, err := s.Put(ctx, "orgA", strings.NewReader(exact), 1<<20); err != nil {
				t.Fatalf("a file of exactly the cap: %v", err)
			}
		})
	}
}

func TestBadKeysRefused(t *testing.T) {
	s := stores(t)["file"]
	for _, c := range []struct{ org, sha string }{{"../x", strings.Repeat("a", 64)}, {"orgA", "../../etc/passwd"}, {"", strings.Repeat("a", 64)}, {"orgA", strings.Repeat("A", 64)}} {
		if _, err := s.Open(context.Background(), c.org, c.sha); err == nil || bulwark.ErrorCode(err) == bulwark.ENOTFOUND {
			t.Errorf("Open(%q, %q) = %v, want a refusal", c.org, c.sha, err)
		}
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// BenchmarkEvidenceUpload/size=50MB lives in the evidence area; this measures
// the store alone.
func BenchmarkPut(b *testing.B) {
	s, err := Open(context.Background(), FileURL(b.TempDir()), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	const size = 50 << 20
	b.SetBytes(size)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Put(context.Background(), "org", io.LimitReader(counter{seed: byte(i)}, size), size); err != nil {
			b.Fatal(err)
		}
	}
}

type counter struct{ seed byte }

func (c counter) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.seed + byte(i)
	}
	return len(p), nil
}

func TestContentType(t *testing.T) {
	pdf := []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")
	html := []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")
	zip := []byte("PK\x03\x04\x14\x00\x06\x00")
	for _, c := range []struct {
		name string
		head []byte
		want string
	}{
		{"report.pdf", pdf, "application/pdf"},
		{"report.pdf", html, "text/html; charset=utf-8"}, // the bytes win over a lying name
		{"notes.txt", html, "text/html; charset=utf-8"},
		{"access-review.docx", zip, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"access-review.pdf", zip, "application/zip"},
		{"users.csv", []byte("email,role\na@b.c,admin\n"), "text/csv; charset=utf-8"},
		{"config.json", []byte(`{"ssl": true}`), "application/json"},
		{"screenshot.png", []byte("\x89PNG\r\n\x1a\n\x00\x00"), "image/png"},
		{"screenshot.png", []byte("plain words"), "text/plain; charset=utf-8"},
		{"drawing.svg", []byte("plain words"), "text/plain; charset=utf-8"}, // an SVG name does not make text active
		{"legacy.doc", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), "application/msword"},
		{"noext", []byte("\x00\x01\x02"), "application/octet-stream"},
	} {
		if got := ContentType(c.name, c.head); got != c.want {
			t.Errorf("ContentType(%q, %q…) = %q, want %q", c.name, c.head[:min(8, len(c.head))], got, c.want)
		}
	}
}

func TestSafeFilename(t *testing.T) {
	for in, want := range map[string]string{`../../etc/passwd`: "passwd", `C:\evil\run.exe`: "run.exe", `a"b;c.pdf`: "a_b_c.pdf", "Prüfbericht 2026.pdf": "Prüfbericht 2026.pdf", "...": "evidence", "": "evidence"} {
		if got := SafeFilename(in, "evidence"); got != want {
			t.Errorf("SafeFilename(%q) = %q, want %q", in, got, want)
		}
	}
}
