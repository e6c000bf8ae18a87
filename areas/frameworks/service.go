package frameworks

import (
	"context"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
)

// Frameworks lists the catalog's frameworks.
func (s *Service) Frameworks(ctx context.Context, p *bulwark.Principal) ([]*Framework, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []*Framework
	err := s.view(ctx, func(tx store) error {
		var err error
		out, err = tx.Frameworks(ctx)
		return err
	})
	return out, err
}

// Framework returns a framework by id or slug.
func (s *Service) Framework(ctx context.Context, p *bulwark.Principal, key string) (*Framework, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Framework
	err := s.view(ctx, func(tx store) error {
		var err error
		out, err = tx.Framework(ctx, key)
		return err
	})
	return out, err
}

// Requirements lists a framework's requirements matching f; next is -1 on the last page.
func (s *Service) Requirements(ctx context.Context, p *bulwark.Principal, key string, f RequirementFilter) (fw *Framework, rs []*Requirement, next int, err error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, nil, -1, err
	}
	err = s.view(ctx, func(tx store) error {
		if fw, err = tx.Framework(ctx, key); err != nil {
			return err
		}
		rs, next, err = tx.Requirements(ctx, fw.ID, f)
		return err
	})
	return fw, rs, next, err
}

// AttributeValues lists the values of an attribute within a framework, for filters.
func (s *Service) AttributeValues(ctx context.Context, p *bulwark.Principal, fw, name string) ([]string, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out []string
	err := s.view(ctx, func(tx store) error {
		var err error
		out, err = tx.AttributeValues(ctx, fw, name)
		return err
	})
	return out, err
}

// Requirement returns a requirement with its mappings both ways.
func (s *Service) Requirement(ctx context.Context, p *bulwark.Principal, id string) (*Requirement, error) {
	if err := app.Require(p, bulwark.PermISMSRead); err != nil {
		return nil, err
	}
	var out *Requirement
	err := s.read(ctx, func(tx store) error {
		var err error
		out, err = tx.Requirement(ctx, id)
		return err
	})
	return out, err
}

// FrameworkNames maps framework ids to their short names, for labels.
func (s *Service) FrameworkNames(ctx context.Context, p *bulwark.Principal) (map[string]string, error) {
	fws, err := s.Frameworks(ctx, p)
	names := map[string]string{}
	for _, f := range fws {
		names[f.ID] = f.Name
	}
	return names, err
}
