// Package blobstore keeps files (evidence, attachments) content-addressed by
// their SHA-256 in a gocloud.dev bucket: a directory by default, S3 (or any
// S3-compatible store) when several instances share one database.
//
// Keys are per organisation (org/ID/sha256/ab/HEX), so the same bytes uploaded
// by two organisations are stored twice: a tenant can never learn, from a
// de-duplicated upload, that another tenant holds a file.
package blobstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob" // registers s3:// on the default URL mux
	"gocloud.dev/gcerrors"

	"github.com/bulwark-isms/bulwark"
)

// Store is a bucket of content-addressed files, safe for concurrent use.
type Store struct {
	bucket *blob.Bucket
	tmpDir string
}

// Object is a stored file's address and size.
type Object struct {
	SHA256 string
	Size   int64
	// Head is the first bytes of the content (at most 512), for sniffing its type.
	Head []byte
	// Existed says the organisation already held these bytes: nothing new was written.
	Existed bool
}

// Open opens the bucket at rawURL: file:///abs/dir (created if missing) or
// s3://bucket?region=…&endpoint=…. tmpDir holds uploads while they are hashed
// ("" is the system's temporary directory).
func Open(ctx context.Context, rawURL, tmpDir string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("blob URL %q: %w", rawURL, err)
	}
	var b *blob.Bucket
	if u.Scheme == "file" {
		dir := u.Path
		if dir == "" {
			return nil, fmt.Errorf("blob URL %q names no directory", rawURL)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create blob directory %s: %w", dir, err)
		}
		// No .attrs side files: the database keeps every attribute Bulwark needs.
		b, err = fileblob.OpenBucket(dir, &fileblob.Options{Metadata: fileblob.MetadataDontWrite})
	} else {
		b, err = blob.OpenBucket(ctx, rawURL)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob store %s: %w", redactURL(u), err)
	}
	return &Store{bucket: b, tmpDir: tmpDir}, nil
}

// redactURL drops query secrets from a URL shown in an error.
func redactURL(u *url.URL) string {
	c := *u
	c.RawQuery, c.User = "", nil
	return c.String()
}

// FileURL is the blob URL of a directory.
func FileURL(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// Close releases the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

var shaPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func key(orgID, sha string) (string, error) {
	if !shaPattern.MatchString(sha) || orgID == "" || strings.ContainsAny(orgID, "/.") {
		return "", fmt.Errorf("blob key: bad organisation %q or digest %q", orgID, sha)
	}
	return "org/" + orgID + "/sha256/" + sha[:2] + "/" + sha, nil
}

// Put stores what r yields for orgID, reading at most max bytes (a larger body
// is bulwark.ETOOLARGE and nothing is stored). The content is streamed to a
// temporary file while hashed, so memory stays flat whatever the size, then
// written under its digest unless the organisation already holds it.
func (s *Store) Put(ctx context.Context, orgID string, r io.Reader, max int64) (Object, error) {
	tmp, err := os.CreateTemp(s.tmpDir, "bulwark-upload-*")
	if err != nil {
		return Object{}, fmt.Errorf("blob upload: %w", err)
	}
	defer func() { tmp.Close(); os.Remove(tmp.Name()) }()
	h := sha256.New()
	head := &headWriter{max: 512}
	n, err := io.Copy(io.MultiWriter(tmp, h, head), io.LimitReader(r, max+1))
	if err != nil {
		var mbe *http.MaxBytesError // the server's own cap on the request body
		if errors.As(err, &mbe) {
			return Object{}, tooLarge(max)
		}
		return Object{}, fmt.Errorf("blob upload: read: %w", err)
	}
	if n > max {
		return Object{}, tooLarge(max)
	}
	obj := Object{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n, Head: head.b}
	k, err := key(orgID, obj.SHA256)
	if err != nil {
		return Object{}, err
	}
	if ok, err := s.bucket.Exists(ctx, k); err != nil {
		return Object{}, fmt.Errorf("blob upload: %w", err)
	} else if ok {
		obj.Existed = true
		return obj, nil
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return Object{}, fmt.Errorf("blob upload: %w", err)
	}
	w, err := s.bucket.NewWriter(ctx, k, &blob.WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return Object{}, fmt.Errorf("blob upload: %w", err)
	}
	if _, err := io.Copy(w, tmp); err != nil {
		w.Close()
		return Object{}, fmt.Errorf("blob upload: write: %w", err)
	}
	if err := w.Close(); err != nil {
		return Object{}, fmt.Errorf("blob upload: close: %w", err)
	}
	return obj, nil
}

// PutBytes stores b for orgID (generated content: reports, check runs).
func (s *Store) PutBytes(ctx context.Context, orgID string, b []byte) (Object, error) {
	return s.Put(ctx, orgID, strings.NewReader(string(b)), int64(len(b)))
}

func tooLarge(max int64) error {
	return bulwark.Errorf(bulwark.ETOOLARGE, "The file is larger than the %s allowed.", Size(max))
}

// Size writes a byte count as people read it: 50 MB, 12 KB, 300 bytes.
func Size(n int64) string {
	switch {
	case n >= 1<<20:
		if n%(1<<20) == 0 {
			return fmt.Sprintf("%d MB", n>>20)
		}
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Open returns a reader of the content orgID stored under sha.
func (s *Store) Open(ctx context.Context, orgID, sha string) (io.ReadCloser, error) {
	k, err := key(orgID, sha)
	if err != nil {
		return nil, err
	}
	r, err := s.bucket.NewReader(ctx, k, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "The file is missing from the evidence store.")
	}
	if err != nil {
		return nil, fmt.Errorf("blob read: %w", err)
	}
	return r, nil
}

// Exists says whether orgID holds content under sha.
func (s *Store) Exists(ctx context.Context, orgID, sha string) (bool, error) {
	k, err := key(orgID, sha)
	if err != nil {
		return false, err
	}
	return s.bucket.Exists(ctx, k)
}

// Delete removes an organisation's every file (when the organisation is deleted).
func (s *Store) Delete(ctx context.Context, orgID string) error {
	if orgID == "" || strings.ContainsAny(orgID, "/.") {
		return fmt.Errorf("blob delete: bad organisation %q", orgID)
	}
	it := s.bucket.List(&blob.ListOptions{Prefix: "org/" + orgID + "/"})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("blob delete: %w", err)
		}
		if err := s.bucket.Delete(ctx, obj.Key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return fmt.Errorf("blob delete: %w", err)
		}
	}
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	b   []byte
	max int
}

func (h *headWriter) Write(p []byte) (int, error) {
	if room := h.max - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
