package frameworks

import (
	"context"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/web"
)

// PickItem is how a picker offers a requirement: its framework, ref and title.
func PickItem(fw map[string]string, r *Requirement) web.PickItem {
	name := fw[r.Framework]
	if name == "" {
		name = r.Framework
	}
	return web.PickItem{ID: r.ID, Label: name + " " + r.Ref + " " + r.DisplayTitle}
}

// pickSource lets pickers find requirements of any framework by ref or words.
func (s *Service) pickSource() web.PickSource {
	return web.PickSource{Field: "requirement_ids",
		Search: func(ctx context.Context, p *bulwark.Principal, q string) ([]web.PickItem, error) {
			if err := app.Require(p, bulwark.PermISMSRead); err != nil {
				return nil, err
			}
			names, err := s.FrameworkNames(ctx, p)
			if err != nil {
				return nil, err
			}
			var rs []*Requirement
			err = s.read(ctx, func(tx store) error {
				var err error
				rs, err = tx.SearchRequirements(ctx, q, 25)
				return err
			})
			items := make([]web.PickItem, 0, len(rs))
			for _, r := range rs {
				items = append(items, PickItem(names, r))
			}
			return items, err
		},
		One: func(ctx context.Context, p *bulwark.Principal, id string) (web.PickItem, error) {
			names, err := s.FrameworkNames(ctx, p)
			if err != nil {
				return web.PickItem{}, err
			}
			r, err := s.Requirement(ctx, p, id)
			if err != nil {
				return web.PickItem{}, err
			}
			return PickItem(names, r), nil
		}}
}
