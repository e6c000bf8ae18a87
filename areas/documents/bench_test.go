package documents_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// BenchmarkMyTasks answers GET /api/v1/me/tasks for an employee of an
// organisation with 5,000 people and 50 published policies, each asked of
// everyone and acknowledged by four in five (target: under 10 ms).
func BenchmarkMyTasks(b *testing.B) {
	sqltest.EachB(b, func(b *testing.B, db *sqlstore.DB) {
		f := areastest.New(b, db)
		emp := f.Accounts[bulwark.RoleEmployee]
		ctx := context.Background()
		people, policies := sqltest.BenchSize(5000), 50
		now := time.Now().UTC()
		batch := func(tx *sqlstore.Tx, head string, n, cols int, row func(i int) []any) error {
			ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
			for start := 0; start < n; start += 200 {
				end := min(start+200, n)
				var args []any
				var q strings.Builder
				q.WriteString(head)
				for i := start; i < end; i++ {
					if i > start {
						q.WriteString(", ")
					}
					q.WriteString(ph)
					args = append(args, row(i)...)
				}
				if _, err := tx.ExecDynamic(ctx, q.String(), args...); err != nil {
					return err
				}
			}
			return nil
		}
		org, owner := f.Org.ID, f.Accounts[bulwark.RoleOwner].MemberID
		if err := db.Write(ctx, func(tx *sqlstore.Tx) error {
			if err := batch(tx, `INSERT INTO people (id, org_id, ref, ref_number, name, email, status, created_at, updated_at) VALUES `, people, 9, func(i int) []any {
				email := fmt.Sprintf("person%d@acme.test", i)
				if i == 0 {
					email = emp.Email
				}
				return []any{fmt.Sprintf("per-%05d", i), org, fmt.Sprintf("P-%05d", i), i, fmt.Sprintf("Person %d", i), email, "active", now, now}
			}); err != nil {
				return err
			}
			if err := batch(tx, `INSERT INTO documents (id, org_id, ref, ref_number, type, title, body, status, published_major, published_minor, created_at, updated_at) VALUES `, policies, 12, func(i int) []any {
				return []any{fmt.Sprintf("doc-%03d", i), org, fmt.Sprintf("POL-%03d", i), i, "policy", fmt.Sprintf("Policy %d", i), "Text.", "published", 1, 0, now, now}
			}); err != nil {
				return err
			}
			if err := batch(tx, `INSERT INTO document_revisions (org_id, document_id, major, minor, type, title, body, classification, file_name, file_type, file_size, change_summary, authors, approved_by, approved_at, published_by, published_at) VALUES `, policies, 17, func(i int) []any {
				return []any{org, fmt.Sprintf("doc-%03d", i), 1, 0, "policy", fmt.Sprintf("Policy %d", i), "Text.", "", "", "", 0, "First publication.", "", owner, now, owner, now}
			}); err != nil {
				return err
			}
			if err := batch(tx, `INSERT INTO ack_requests (id, org_id, document_id, major, minor, audience, requested_at, expires_at) VALUES `, policies, 8, func(i int) []any {
				return []any{fmt.Sprintf("req-%03d", i), org, fmt.Sprintf("doc-%03d", i), 1, 0, "everyone", now, now.AddDate(0, 0, 30)}
			}); err != nil {
				return err
			}
			if err := batch(tx, `INSERT INTO ack_recipients (org_id, request_id, person_id, document_id, major, minor) VALUES `, people*policies, 6, func(i int) []any {
				d, p := i/people, i%people
				return []any{org, fmt.Sprintf("req-%03d", d), fmt.Sprintf("per-%05d", p), fmt.Sprintf("doc-%03d", d), 1, 0}
			}); err != nil {
				return err
			}
			var acks []int
			for i := 0; i < people*policies; i++ {
				if (i*7919)%5 != 0 { // four in five acknowledged; the employee (person 0) some, not all
					acks = append(acks, i)
				}
			}
			return batch(tx, `INSERT INTO acknowledgements (id, org_id, document_id, person_id, major, minor, acknowledged_at, via) VALUES `, len(acks), 8, func(j int) []any {
				i := acks[j]
				d, p := i/people, i%people
				return []any{fmt.Sprintf("ack-%07d", i), org, fmt.Sprintf("doc-%03d", d), fmt.Sprintf("per-%05d", p), 1, 0, now, "link"}
			})
		}); err != nil {
			b.Fatal(err)
		}
		if err := db.Optimize(ctx); err != nil {
			b.Fatal(err)
		}
		res := f.Do("GET", "/api/v1/me/tasks", areastest.Req{Token: emp.Token})
		if res.StatusCode != 200 || !strings.Contains(res.Text, `"documents_to_acknowledge":[{`) {
			b.Fatalf("tasks: %d %s", res.StatusCode, res.Text[:min(300, len(res.Text))])
		}
		b.Run(fmt.Sprintf("people=%d/policies=%d", people, policies), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("GET", "/api/v1/me/tasks", nil)
				r.Header.Set("Authorization", "Bearer "+emp.Token)
				w := httptest.NewRecorder()
				f.Srv.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("tasks: %d", w.Code)
				}
			}
		})
	})
}
