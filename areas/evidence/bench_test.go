package evidence_test

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
	"github.com/bulwark-isms/bulwark/web"
)

// BenchmarkEvidenceUpload/size=50MB uploads a 50 MB file through the real
// server (multipart, streamed from a pipe, never whole in memory on either
// side): B/op is what the client and the server allocated together, and stays
// far below the file's size because the file streams to the blob store.
func BenchmarkEvidenceUpload(b *testing.B) {
	const size = 50 << 20
	b.Run(fmt.Sprintf("size=%dMB", size>>20), func(b *testing.B) {
		sqltest.EachB(b, func(b *testing.B, db *sqlstore.DB) {
			f := areastest.New(b, db, func(_ *app.Config, w *web.Config) { w.MaxUpload = size + 1<<20 })
			token := f.Accounts[bulwark.RoleManager].Token
			b.SetBytes(size)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				pr, pw := io.Pipe()
				mw := multipart.NewWriter(pw)
				go func() {
					fw, _ := mw.CreateFormFile("file", fmt.Sprintf("export-%d.bin", i))
					io.Copy(fw, io.LimitReader(pattern{seed: byte(i)}, size))
					mw.Close()
					pw.Close()
				}()
				req, _ := http.NewRequest("POST", f.TS.URL+"/api/v1/evidence", pr)
				req.Header.Set("Content-Type", mw.FormDataContentType())
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 201 {
					b.Fatalf("upload: %d", res.StatusCode)
				}
			}
		})
	})
}

// pattern yields bytes that differ per seed, so each upload is a new file.
type pattern struct{ seed byte }

func (p pattern) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = p.seed ^ byte(i*7)
	}
	return len(b), nil
}
