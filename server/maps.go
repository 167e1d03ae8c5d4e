package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/catchment/catchment/geo"
	"github.com/catchment/catchment/maps"
	"github.com/catchment/catchment/store"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// MapSource returns the ward map page's view of the server: the same
// tokens, store, round cache and audited approvals as the gRPC API.
func (s *Server) MapSource() maps.Source { return mapSource{s} }

// HTTPHandler returns the map page's HTTP handler: maps.NewHandler at
// /map/, and / redirecting there.
func (s *Server) HTTPHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/map/", maps.NewHandler(s.MapSource()))
	mux.Handle("/{$}", http.RedirectHandler("/map/", http.StatusFound))
	return mux
}

// mapSource implements maps.Source.
type mapSource struct{ s *Server }

// Authenticate reads "Authorization: Bearer TOKEN".
func (m mapSource) Authenticate(r *http.Request) (maps.Viewer, error) {
	p, ok := m.s.tokens.Authenticate(bearer(r.Header.Get("Authorization")))
	if !ok {
		return maps.Viewer{}, maps.ErrUnauthenticated
	}
	return maps.Viewer{Role: string(p.Role), Ward: p.Ward, Name: p.Subject}, nil
}

// principal turns a viewer the page authenticated back into a principal.
func principal(v maps.Viewer) (Principal, error) {
	p := Principal{Role: Role(v.Role), Ward: v.Ward, Subject: v.Name}
	switch {
	case p.Role == RoleOffice || p.Role == RoleAuditor:
	case p.Role == RoleWard && p.Ward != "":
	default:
		return p, maps.ErrUnauthenticated
	}
	return p, nil
}

// Rounds lists every round; every role may see the list.
func (m mapSource) Rounds(ctx context.Context, v maps.Viewer) ([]maps.RoundInfo, error) {
	if _, err := principal(v); err != nil {
		return nil, err
	}
	all, err := m.s.store.Rounds(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]maps.RoundInfo, 0, len(all))
	for _, r := range all {
		out = append(out, maps.RoundInfo{ID: r.ID, Year: r.Year, Mode: r.Mode, Levels: r.Levels, Published: len(r.Published) > 0})
	}
	return out, nil
}

// Round returns a round's result and its dataset's wards and base layers.
func (m mapSource) Round(ctx context.Context, v maps.Viewer, id string) (*maps.RoundData, error) {
	if _, err := principal(v); err != nil {
		return nil, err
	}
	meta, err := m.s.store.Round(ctx, id)
	if err != nil {
		return nil, mapsError(err)
	}
	e, err := m.s.rounds.get(ctx, id)
	if err != nil {
		return nil, mapsError(err)
	}
	rd := &maps.RoundData{Info: maps.RoundInfo{ID: meta.ID, Year: meta.Year, Mode: meta.Mode, Levels: meta.Levels,
		Published: len(meta.Published) > 0}, Result: e.rd.Result, Wards: e.rd.Dataset.Wards}
	if rd.Boundary, err = m.boundary(ctx, meta.DatasetID); err != nil {
		return nil, err
	}
	rd.Rivers, _ = m.s.store.DatasetFile(ctx, meta.DatasetID, "rivers")
	rd.Roads, _ = m.s.store.DatasetFile(ctx, meta.DatasetID, "roads")
	return rd, nil
}

// boundary returns the union of the polygons of the dataset's boundary
// file, or nil without one.
func (m mapSource) boundary(ctx context.Context, datasetID string) (orb.MultiPolygon, error) {
	data, err := m.s.store.DatasetFile(ctx, datasetID, "boundary")
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		return nil, fmt.Errorf("server: dataset %s: boundary: %w", datasetID, err)
	}
	var mp orb.MultiPolygon
	for _, f := range fc.Features {
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			mp = append(mp, g)
		case orb.MultiPolygon:
			mp = append(mp, g...)
		}
	}
	return mp, nil
}

// Approve records an approval through the same audited path as
// ApproveWard.
func (m mapSource) Approve(ctx context.Context, v maps.Viewer, a maps.Approval) error {
	p, err := principal(v)
	if err != nil {
		return err
	}
	if p.Role == RoleAuditor || (p.Role == RoleWard && p.Ward != a.Ward) {
		return maps.ErrForbidden
	}
	l, err := geo.ParseLevel(a.Level)
	if err != nil {
		return err
	}
	_, err = m.s.approve(ctx, p, store.Approval{RoundID: a.RoundID, Ward: a.Ward, Note: a.Note, Digest: a.Digest}, l)
	return mapsError(err)
}

// Approvals lists a round's approvals; a ward official sees their own.
func (m mapSource) Approvals(ctx context.Context, v maps.Viewer, roundID string) ([]maps.Approval, error) {
	p, err := principal(v)
	if err != nil {
		return nil, err
	}
	aps, err := m.s.store.Approvals(ctx, roundID)
	if err != nil {
		return nil, mapsError(err)
	}
	out := []maps.Approval{}
	for _, a := range aps {
		if p.Role != RoleWard || a.Ward == p.Ward {
			out = append(out, maps.Approval{RoundID: a.RoundID, Ward: a.Ward, Level: a.Level, By: a.By, Note: a.Note, Digest: a.Digest})
		}
	}
	return out, nil
}

// mapsError maps store and server errors to the page's errors.
func mapsError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%w: %v", maps.ErrNotFound, err)
	case errors.Is(err, ErrForbidden):
		return fmt.Errorf("%w: %v", maps.ErrForbidden, err)
	}
	return err
}
