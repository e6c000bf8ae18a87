package risks

import (
	"context"
	"fmt"

	"github.com/bulwark-isms/bulwark/sqlstore"
)

// AboveCriteriaOf counts orgID's live risks whose residual level (the inherent
// one where none is assessed) ranks above the acceptance criteria of the current
// approved methodology, for the areas above (an objective's metric). A level the
// current methodology does not name (a risk still on an older version) counts
// as above: it has to be rescored before anyone can call it acceptable.
func AboveCriteriaOf(ctx context.Context, tx *sqlstore.Tx, orgID string) (int, error) {
	st := store{tx}
	_, residual, _, err := st.RiskCounts(ctx, orgID)
	if err != nil {
		return 0, err
	}
	m, err := st.Methodology(ctx, orgID, 0)
	if err != nil {
		return 0, fmt.Errorf("risks above the criteria: %w", err)
	}
	n := 0
	for level, count := range residual {
		if level != "" && !m.Acceptable(level) {
			n += count
		}
	}
	return n, nil
}
