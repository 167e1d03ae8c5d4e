package server

import (
	"context"
	"fmt"

	"github.com/catchment/catchment/geo"
	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/round"
	"github.com/paulmach/orb"
)

// catchmentService implements catchment.v1.CatchmentService.
type catchmentService struct {
	pb.UnimplementedCatchmentServiceServer
	s *Server
}

// LookupAddress returns the school an address belongs to for a level. A
// ward or auditor token may make Config.LookupRate calls a second.
func (c *catchmentService) LookupAddress(ctx context.Context, req *pb.LookupAddressRequest) (*pb.LookupAddressResponse, error) {
	if err := c.s.limitLookup(ctx); err != nil {
		return nil, err
	}
	level, err := fromPBLevel("level", req.GetLevel())
	if err != nil {
		return nil, err
	}
	if !validPoint(req.GetLongitude(), req.GetLatitude()) {
		return nil, invalid("longitude", "want WGS84 degrees, longitude in [-180, 180] and latitude in [-90, 90]")
	}
	id, err := c.s.lookupRound(ctx, req.GetRoundId(), level)
	if err != nil {
		return nil, err
	}
	e, err := c.s.rounds.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !e.hasLevel(level) {
		return nil, invalid("level", "round %s did not allocate %s", id, level)
	}
	pt := orb.Point{req.GetLongitude(), req.GetLatitude()}
	loc := e.locator(level)
	at, found := loc.Locate(pt)
	if err := mayLookUp(ctx, e, pt, at, found); err != nil {
		return nil, err
	}
	out := &pb.LookupAddressResponse{Found: found, RoundId: id, Rule: loc.String()}
	if found {
		s := &e.rd.Result.Schools[at.School]
		out.SchoolId, out.SchoolName, out.SchoolWardCode, out.DistanceM = s.ID, s.Name, e.wards().schoolWard[at.School], int32(at.DistM)
	}
	return out, nil
}

// lookupRound returns the round to answer from: the one asked for, else
// the level's published round.
func (s *Server) lookupRound(ctx context.Context, id string, l geo.Level) (string, error) {
	if id != "" {
		return id, nil
	}
	pub, err := s.publishedRounds(ctx)
	if err != nil {
		return "", err
	}
	if id = pub[l]; id == "" {
		return "", fmt.Errorf("%w: %s", ErrNotPublished, l)
	}
	return id, nil
}

// mayLookUp limits a ward official to addresses inside their ward: by the
// ward polygon when the round has one, else by the ward of the school the
// address belongs to.
func mayLookUp(ctx context.Context, e *cached, pt orb.Point, at round.Location, found bool) error {
	p, err := principalOf(ctx)
	if err != nil || p.Role != RoleWard {
		return err
	}
	in, ok := e.wards().inside(p.Ward, pt)
	if !ok {
		in = found && e.wards().schoolWard[at.School] == p.Ward
	}
	if !in {
		return fmt.Errorf("%w: the address is outside ward %s", ErrForbidden, p.Ward)
	}
	return nil
}
