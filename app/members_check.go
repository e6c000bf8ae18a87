package app

import (
	"context"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/sqlstore"
)

// CheckMember returns EINVALID unless memberID is an active member of the organisation.
func CheckMember(ctx context.Context, tx *sqlstore.Tx, orgID, field string, memberID *string) error {
	if memberID == nil {
		return nil
	}
	m, err := tx.Member(ctx, orgID, *memberID)
	if err != nil || !m.Active(tx.Now()) {
		return bulwark.Invalid(field, "must be the id of an active member of the organisation")
	}
	return nil
}

// CanEdit says whether p may change a record owned by ownerIDs: with PermISMSEdit
// anything, with PermISMSEditOwn only what they own or are assigned.
func CanEdit(p *bulwark.Principal, ownerIDs ...*string) bool {
	if p.Can(bulwark.PermISMSEdit) {
		return true
	}
	if !p.Can(bulwark.PermISMSEditOwn) {
		return false
	}
	for _, o := range ownerIDs {
		if o != nil && *o == p.MemberID {
			return true
		}
	}
	return false
}
