package controls_test

import (
	"context"
	"io"
	"testing"

	"github.com/bulwark-isms/bulwark/areas/areastest"
	"github.com/bulwark-isms/bulwark/sqlstore"
	"github.com/bulwark-isms/bulwark/sqlstore/sqltest"
)

// BenchmarkSoAExport writes the live Statement of Applicability of an organisation whose 93 controls all have
// an owner, an implementation text and a justification: as XLSX and as PDF (target under 500 ms each).
func BenchmarkSoAExport(b *testing.B) {
	db := sqltest.New(b, sqlstore.SQLite)
	f := areastest.New(b, db)
	ctx := context.Background()
	p := f.OwnerPrincipal(f.Org, "owner@acme.test")
	err := db.Write(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE controls SET owner_id = ?, status = 'implemented', inclusion_reasons = 'legal,business',
			implementation = 'Described in the procedure of the same name, reviewed every year by the owner and sampled by internal audit; evidence kept in the register.' WHERE org_id = ?`,
			f.Accounts["manager"].MemberID, f.Org.ID)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, format := range []string{"xlsx", "pdf"} {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				if err := f.Svc.Controls.ExportSoA(ctx, p, format, 0, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
