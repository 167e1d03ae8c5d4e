package server

import (
	"context"
	"fmt"
	"math"

	"github.com/catchment/catchment/geo"
	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/store"
)

// PreviewWard returns one ward's aggregates for a round: its homes by
// status (from summary.json), its schools' intakes, and its approvals.
// It never returns applicant rows.
func (c *catchmentService) PreviewWard(ctx context.Context, req *pb.PreviewWardRequest) (*pb.PreviewWardResponse, error) {
	code := req.GetWardCode()
	if err := requireWard(ctx, code); err != nil {
		return nil, err
	}
	var only *geo.Level
	if req.GetLevel() != pb.Level_LEVEL_UNSPECIFIED {
		l, err := fromPBLevel("level", req.GetLevel())
		if err != nil {
			return nil, err
		}
		only = &l
	}
	wards, meta, err := c.s.roundWards(ctx, req.GetRoundId())
	if err != nil {
		return nil, err
	}
	name, ok := wards[code]
	if !ok {
		return nil, fmt.Errorf("%w: no ward %q in round %s", store.ErrNotFound, code, meta.ID)
	}
	e, err := c.s.rounds.get(ctx, meta.ID)
	if err != nil {
		return nil, err
	}
	out := &pb.PreviewWardResponse{RoundId: meta.ID, WardCode: code, WardName: name, Schools: schoolPreviews(e, code, only)}
	for _, w := range toPBSummary(&e.rd.Summary, code).GetWards() {
		if only == nil || w.Level == toPBLevel(*only) {
			out.Homes = append(out.Homes, w)
		}
	}
	aps, err := c.s.store.Approvals(ctx, meta.ID)
	if err != nil {
		return nil, err
	}
	for i := range aps {
		if aps[i].Ward == code {
			out.Approvals = append(out.Approvals, toPBApproval(&aps[i]))
		}
	}
	return out, nil
}

// schoolPreviews returns the intake of every school in the ward, in
// (school id, level) order.
func schoolPreviews(e *cached, code string, only *geo.Level) []*pb.SchoolPreview {
	r := e.rd.Result
	var out []*pb.SchoolPreview
	for i := range r.Offers {
		o := &r.Offers[i]
		if e.wards().schoolWard[o.School] != code || (only != nil && o.Level != *only) {
			continue
		}
		s := &r.Schools[o.School]
		sp := &pb.SchoolPreview{SchoolId: s.ID, Name: s.Name, Level: toPBLevel(o.Level), Seats: int32(o.Seats),
			Admitted: int32(o.Assigned), PlacesUsed: int32(o.PlacesUsed), Classes: int32(o.Classes(&r.Policy))}
		if o.Seats > 0 {
			sp.FillRate = math.Round(float64(o.PlacesUsed)/float64(o.Seats)*1e4) / 1e4 // as summary.json rounds
		}
		if o.Cutoff >= 0 {
			sp.CutoffDistanceM = o.CutoffDistM
		}
		out = append(out, sp)
	}
	return out
}
