package server

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/catchment/catchment/geo"
	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/round"
	"github.com/catchment/catchment/store"
)

// roundService implements catchment.v1.RoundService.
type roundService struct {
	pb.UnimplementedRoundServiceServer
	s *Server
}

// GetRound returns a round with its summary; a ward official gets their
// own ward's rows only.
func (r *roundService) GetRound(ctx context.Context, req *pb.GetRoundRequest) (*pb.GetRoundResponse, error) {
	p, err := principalOf(ctx)
	if err != nil {
		return nil, err
	}
	meta, err := r.s.store.Round(ctx, req.GetRoundId())
	if err != nil {
		return nil, err
	}
	sum, err := r.s.summary(ctx, meta.ID)
	if err != nil {
		return nil, err
	}
	out := toPBRound(meta)
	out.Summary = toPBSummary(sum, p.Ward)
	return &pb.GetRoundResponse{Round: out}, nil
}

// summary reads a stored round's summary.json.
func (s *Server) summary(ctx context.Context, id string) (*round.Summary, error) {
	data, err := s.store.RoundFile(ctx, id, round.FileSummary)
	if err != nil {
		return nil, err
	}
	var sum round.Summary
	if err := json.Unmarshal(data, &sum); err != nil {
		return nil, fmt.Errorf("server: round %s: summary: %w", id, err)
	}
	return &sum, nil
}

// ListRounds returns every round without summaries.
func (r *roundService) ListRounds(ctx context.Context, _ *pb.ListRoundsRequest) (*pb.ListRoundsResponse, error) {
	all, err := r.s.store.Rounds(ctx)
	if err != nil {
		return nil, err
	}
	out := &pb.ListRoundsResponse{}
	for i := range all {
		out.Rounds = append(out.Rounds, toPBRound(&all[i]))
	}
	return out, nil
}

// applicant finds an applicant of a cached round.
func (s *Server) applicant(ctx context.Context, roundID, applicantID string) (*cached, int, error) {
	if _, err := s.store.Round(ctx, roundID); err != nil {
		return nil, 0, err
	}
	e, err := s.rounds.get(ctx, roundID)
	if err != nil {
		return nil, 0, err
	}
	apps := e.rd.Result.Applicants
	i, found := slices.BinarySearchFunc(apps, applicantID, func(a geo.Applicant, id string) int { return cmp.Compare(a.ID, id) })
	if !found {
		return nil, 0, fmt.Errorf("%w: no applicant %q in round %s", store.ErrNotFound, applicantID, roundID)
	}
	return e, i, nil
}

// GetPlacement returns one applicant's row of assignments.csv.
func (r *roundService) GetPlacement(ctx context.Context, req *pb.GetPlacementRequest) (*pb.GetPlacementResponse, error) {
	e, i, err := r.s.applicant(ctx, req.GetRoundId(), req.GetApplicantId())
	if err != nil {
		return nil, err
	}
	return &pb.GetPlacementResponse{Placement: toPBPlacement(e.rd.Result, i)}, nil
}

// ExplainPlacement explains one applicant's placement.
func (r *roundService) ExplainPlacement(ctx context.Context, req *pb.ExplainPlacementRequest) (*pb.ExplainPlacementResponse, error) {
	e, i, err := r.s.applicant(ctx, req.GetRoundId(), req.GetApplicantId())
	if err != nil {
		return nil, err
	}
	ex, err := e.explain(req.GetApplicantId())
	if err != nil {
		return nil, err
	}
	return &pb.ExplainPlacementResponse{Explanation: toPBExplanation(ex, toPBPlacement(e.rd.Result, i))}, nil
}

// ReplayRound re-runs a stored round from its stored inputs and compares
// every output byte with the stored files.
func (r *roundService) ReplayRound(ctx context.Context, req *pb.ReplayRoundRequest) (*pb.ReplayRoundResponse, error) {
	meta, err := r.s.store.Round(ctx, req.GetRoundId())
	if err != nil {
		return nil, err
	}
	m, err := r.s.manifest(ctx, meta.ID)
	if err != nil {
		return nil, err
	}
	release, err := r.s.acquireHeavy(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer release()
	rd, err := round.Rerun(ctx, m, r.s.resolver(ctx), nil, nil)
	if err != nil {
		return nil, err
	}
	out := &pb.ReplayRoundResponse{Engine: meta.Engine, ReplayEngine: round.Engine}
	for _, f := range rd.Files {
		stored, err := r.s.store.RoundFile(ctx, meta.ID, f.Name)
		switch {
		case err != nil:
			out.Differ = append(out.Differ, fmt.Sprintf("%s: %v", f.Name, err))
		case !bytes.Equal(stored, f.Data):
			out.Differ = append(out.Differ, f.Name+": differs from the replayed output")
		default:
			out.Matching = append(out.Matching, f.Name)
		}
	}
	out.Verified = len(out.Differ) == 0 && len(out.Matching) == len(meta.Files)
	return out, nil
}

// roundFiles are the files DownloadRoundFile serves.
var roundFiles = []string{round.FileAssignments, round.FileManifest, round.FileSchools, round.FileSummary}

// DownloadRoundFile streams one output file of a round.
func (r *roundService) DownloadRoundFile(req *pb.DownloadRoundFileRequest, stream pb.RoundService_DownloadRoundFileServer) error {
	if !slices.Contains(roundFiles, req.GetName()) {
		return invalid("name", "want one of %v, got %q", roundFiles, req.GetName())
	}
	data, err := r.s.store.RoundFile(stream.Context(), req.GetRoundId(), req.GetName())
	if err != nil {
		return err
	}
	return sendChunks(data, func(b []byte) error { return stream.Send(&pb.DownloadRoundFileResponse{Data: b}) })
}
