package server

import (
	"context"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/catchment/catchment/geo"
	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/store"
)

// roundWards returns the wards of a stored round (as its summary counts
// them) and its levels.
func (s *Server) roundWards(ctx context.Context, id string) (map[string]string, *store.Round, error) {
	meta, err := s.store.Round(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	sum, err := s.summary(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	wards := map[string]string{}
	for _, w := range sum.Wards {
		if w.Code != "" {
			wards[w.Code] = w.Name
		}
	}
	return wards, meta, nil
}

// maxNoteRunes limits an approval note, in characters (as the map page).
const maxNoteRunes = 2000

// maxDigestBytes limits an approval's digest.
const maxDigestBytes = 128

// ApproveWard records a ward's approval for one level of a round.
func (r *roundService) ApproveWard(ctx context.Context, req *pb.ApproveWardRequest) (*pb.ApproveWardResponse, error) {
	p, err := principalOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := requireWard(ctx, req.GetWardCode()); err != nil {
		return nil, err
	}
	l, err := fromPBLevel("level", req.GetLevel())
	if err != nil {
		return nil, err
	}
	ap, err := r.s.approve(ctx, p, store.Approval{RoundID: req.GetRoundId(), Ward: req.GetWardCode(), Note: req.GetNote(),
		Digest: req.GetDigest()}, l)
	if err != nil {
		return nil, err
	}
	return &pb.ApproveWardResponse{Approval: toPBApproval(ap)}, nil
}

// approve checks an approval against the round and records it.
func (s *Server) approve(ctx context.Context, p Principal, ap store.Approval, l geo.Level) (*store.Approval, error) {
	if utf8.RuneCountInString(ap.Note) > maxNoteRunes {
		return nil, invalid("note", "longer than %d characters", maxNoteRunes)
	}
	if len(ap.Digest) > maxDigestBytes {
		return nil, invalid("digest", "longer than %d bytes", maxDigestBytes)
	}
	wards, meta, err := s.roundWards(ctx, ap.RoundID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(meta.Levels, l.String()) {
		return nil, invalid("level", "round %s did not allocate %s", meta.ID, l)
	}
	if _, ok := wards[ap.Ward]; !ok {
		return nil, fmt.Errorf("%w: no ward %q in round %s", store.ErrNotFound, ap.Ward, meta.ID)
	}
	ap.Level = l.String()
	return s.store.Approve(ctx, p.actor(), ap)
}

// ListApprovals lists a round's approvals and the wards still pending.
func (r *roundService) ListApprovals(ctx context.Context, req *pb.ListApprovalsRequest) (*pb.ListApprovalsResponse, error) {
	p, err := principalOf(ctx)
	if err != nil {
		return nil, err
	}
	aps, pending, err := r.s.approvals(ctx, req.GetRoundId())
	if err != nil {
		return nil, err
	}
	out := &pb.ListApprovalsResponse{}
	for i := range aps {
		if p.Role != RoleWard || aps[i].Ward == p.Ward {
			out.Approvals = append(out.Approvals, toPBApproval(&aps[i]))
		}
	}
	for _, w := range pending {
		if p.Role != RoleWard || w == p.Ward {
			out.PendingWardCodes = append(out.PendingWardCodes, w)
		}
	}
	return out, nil
}

// approvals returns a round's approvals and the wards that have not
// approved every level of it, sorted.
func (s *Server) approvals(ctx context.Context, id string) ([]store.Approval, []string, error) {
	wards, meta, err := s.roundWards(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	aps, err := s.store.Approvals(ctx, meta.ID)
	if err != nil {
		return nil, nil, err
	}
	done := map[string]map[string]bool{}
	for _, a := range aps {
		if done[a.Ward] == nil {
			done[a.Ward] = map[string]bool{}
		}
		done[a.Ward][a.Level] = true
	}
	var pending []string
	for w := range wards {
		if len(done[w]) < len(meta.Levels) {
			pending = append(pending, w)
		}
	}
	slices.Sort(pending)
	return aps, pending, nil
}

// PublishRound makes a round the published round of its levels.
func (r *roundService) PublishRound(ctx context.Context, req *pb.PublishRoundRequest) (*pb.PublishRoundResponse, error) {
	p, err := principalOf(ctx)
	if err != nil {
		return nil, err
	}
	_, pending, err := r.s.approvals(ctx, req.GetRoundId())
	if err != nil {
		return nil, err
	}
	changed, head, err := r.s.store.Publish(ctx, p.actor(), req.GetRoundId())
	if err != nil {
		return nil, err
	}
	if _, err := r.s.reloadPublished(ctx); err != nil {
		return nil, err
	}
	go r.s.rounds.get(context.WithoutCancel(ctx), req.GetRoundId()) // load it for lookups now, not at the first one
	meta, err := r.s.store.Round(ctx, req.GetRoundId())
	if err != nil {
		return nil, err
	}
	return &pb.PublishRoundResponse{Round: toPBRound(meta), Changed: len(changed) > 0, PendingWardCodes: pending,
		AuditHead: &pb.AuditHead{Seq: head.Seq, Hash: head.Hash}}, nil
}
