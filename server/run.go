package server

import (
	"context"
	"sync"
	"time"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/round"
	"github.com/catchment/catchment/store"
)

// runParams is a checked RunRoundRequest.
type runParams struct {
	year    int
	seed    string
	mode    allocator.Mode
	levels  []geo.Level
	policy  []byte // nil: the dataset's
	compare bool   // also run the other mode: the price of stability
}

// maxSeedBytes limits a lottery seed.
const maxSeedBytes = 200

func parseRun(req *pb.RunRoundRequest) (runParams, error) {
	p := runParams{year: int(req.GetYear()), seed: req.GetSeed(), mode: allocator.Stable, compare: req.Compare == nil || req.GetCompare()}
	switch {
	case req.GetDatasetId() == "":
		return p, invalid("dataset_id", "required")
	case p.year < 1900 || p.year > 9999:
		return p, invalid("year", "want the calendar year the school year starts, e.g. 2026; got %d", p.year)
	case p.seed == "" || len(p.seed) > maxSeedBytes:
		return p, invalid("seed", "required, at most %d bytes", maxSeedBytes)
	}
	switch req.GetMode() {
	case pb.Mode_MODE_UNSPECIFIED, pb.Mode_MODE_STABLE:
	case pb.Mode_MODE_OPTIMAL:
		p.mode = allocator.Optimal
	default:
		return p, invalid("mode", "want MODE_STABLE or MODE_OPTIMAL, got %s", req.GetMode())
	}
	for _, l := range req.GetLevels() {
		gl, err := fromPBLevel("levels", l)
		if err != nil {
			return p, err
		}
		p.levels = append(p.levels, gl)
	}
	if len(req.GetPolicyJson()) > 0 {
		if _, err := allocator.ParsePolicy(req.GetPolicyJson()); err != nil {
			return p, invalid("policy_json", "%v", err)
		}
		p.policy = req.GetPolicyJson()
	}
	return p, nil
}

// RunRound runs a round on a stored dataset, streaming progress, and
// stores its outputs in one transaction.
func (r *roundService) RunRound(req *pb.RunRoundRequest, stream pb.RoundService_RunRoundServer) error {
	ctx := stream.Context()
	p, err := principalOf(ctx)
	if err != nil {
		return err
	}
	params, err := parseRun(req)
	if err != nil {
		return err
	}
	ds, err := r.s.store.Dataset(ctx, req.GetDatasetId())
	if err != nil {
		return err
	}
	pump := newProgressPump(func(pr *pb.Progress) error {
		return stream.Send(&pb.RunRoundResponse{Event: &pb.RunRoundResponse_Progress{Progress: pr}})
	})
	rd, err := r.s.runRound(ctx, ds, params, pump)
	pump.stop()
	if err != nil {
		return err
	}
	stored, err := r.s.store.CreateRound(ctx, p.actor(), newRound(ds.ID, params, rd))
	if err != nil {
		return err
	}
	r.s.rounds.put(stored.ID, rd)
	out := toPBRound(stored)
	out.Summary = toPBSummary(&rd.Summary, "")
	return stream.Send(&pb.RunRoundResponse{Event: &pb.RunRoundResponse_Round{Round: out}})
}

// runRound waits for the heavy slot and runs the round in memory.
func (s *Server) runRound(ctx context.Context, ds *store.Dataset, params runParams, pump *progressPump) (*round.Round, error) {
	release, err := s.acquireHeavy(ctx, func() { pump.report("waiting for another round or replay to finish", 0, 1) })
	if err != nil {
		return nil, err
	}
	defer release()
	in, err := s.roundInputs(ctx, ds, params.policy)
	if err != nil {
		return nil, err
	}
	rd, err := round.Run(ctx, round.Request{Inputs: in, Year: params.year, Seed: params.seed, Mode: params.mode,
		Levels: params.levels, Compare: params.compare, Progress: pump.report})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if ps := geo.AsProblems(err); ps != nil {
			return nil, invalidData(ps) // a request policy that does not fit the dataset
		}
		return nil, err
	}
	return rd, ctx.Err()
}

func newRound(datasetID string, params runParams, rd *round.Round) store.NewRound {
	nr := store.NewRound{DatasetID: datasetID, Year: rd.Manifest.Year, Seed: rd.Manifest.Seed, Mode: string(rd.Manifest.Mode),
		Levels: rd.Manifest.Levels, Engine: rd.Manifest.Engine}
	for _, f := range rd.Files {
		nr.Outputs = append(nr.Outputs, store.FileData{Name: f.Name, Data: f.Data})
	}
	if params.policy != nil {
		nr.Inputs = append(nr.Inputs, store.FileData{Name: "policy.json", Data: params.policy})
	}
	return nr
}

// progressEvery is the least time between two progress messages of a
// running round.
const progressEvery = 100 * time.Millisecond

// progressPump forwards a round's progress to a stream from one goroutine:
// the engine reports from many goroutines and must never wait for the
// network. Within progressEvery only the latest report of each stage is
// sent.
type progressPump struct {
	send func(*pb.Progress) error

	mu      sync.Mutex
	pending []*pb.Progress // latest per stage, in order of first report
	failed  bool           // a send failed: the client is gone

	wake chan struct{}
	quit chan struct{}
	done chan struct{}
}

func newProgressPump(send func(*pb.Progress) error) *progressPump {
	p := &progressPump{send: send, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go p.loop()
	return p
}

// report is an allocator.Progress.
func (p *progressPump) report(stage string, done, total int) {
	p.mu.Lock()
	found := false
	for _, q := range p.pending {
		if q.Stage == stage {
			q.Done, q.Total, found = int64(done), int64(total), true
		}
	}
	if !found {
		p.pending = append(p.pending, &pb.Progress{Stage: stage, Done: int64(done), Total: int64(total)})
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *progressPump) loop() {
	defer close(p.done)
	for {
		select {
		case <-p.wake:
			p.flush()
			select {
			case <-time.After(progressEvery):
			case <-p.quit:
				p.flush()
				return
			}
		case <-p.quit:
			p.flush()
			return
		}
	}
}

func (p *progressPump) flush() {
	p.mu.Lock()
	batch := p.pending
	p.pending = nil
	failed := p.failed
	p.mu.Unlock()
	for _, pr := range batch {
		if failed {
			return
		}
		if err := p.send(pr); err != nil {
			p.mu.Lock()
			p.failed = true
			p.mu.Unlock()
			return
		}
	}
}

// stop sends what is pending and returns once the pump no longer sends.
func (p *progressPump) stop() {
	close(p.quit)
	<-p.done
}
