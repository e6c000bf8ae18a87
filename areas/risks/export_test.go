package risks

import (
	"context"

	"github.com/bulwark-isms/bulwark/sqlstore"
)

// InsertRisk stores r directly, for benchmarks that seed thousands of risks.
func InsertRisk(ctx context.Context, tx *sqlstore.Tx, orgID string, r *Risk) error {
	return store{tx}.InsertRisk(ctx, orgID, r)
}
