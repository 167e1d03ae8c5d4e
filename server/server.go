// Package server serves the gRPC API of catchment over a store: datasets,
// rounds, address lookups, ward previews and the audit log, with bearer
// tokens mapped to roles (office, ward:<code>, auditor). Handlers only
// translate between protobuf and the engine (round, allocator) and the
// store; errors become gRPC codes in one place (toStatus). It also serves
// the ward map page's data through maps.Source.
package server

import (
	"context"
	"io"
	"log/slog"
	"sync"

	"github.com/catchment/catchment/geo"
	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/store"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
)

// Limits and defaults of a Server.
const (
	// DefaultMaxUploadBytes limits one dataset's files together: 512 MiB.
	DefaultMaxUploadBytes = 512 << 20
	// DefaultCachedRounds is how many rounds are kept in memory.
	DefaultCachedRounds = 3
	// MaxChunkBytes is the largest data chunk of an upload message: 4 MiB.
	MaxChunkBytes = 4 << 20
	// MaxMessageBytes is the largest gRPC message the server receives or
	// sends: a chunk and its envelope.
	MaxMessageBytes = MaxChunkBytes + 64<<10
	// DefaultLookupRate is how many LookupAddress calls per second a ward
	// or auditor token may make, with bursts of LookupBurstFactor times
	// as many.
	DefaultLookupRate = 50
	// LookupBurstFactor is a token's burst of lookups, in seconds of its
	// rate.
	LookupBurstFactor = 4
	// downloadChunkBytes is the size of each chunk a download streams.
	downloadChunkBytes = 1 << 20
)

// Config tunes a Server; the zero value gives the defaults.
type Config struct {
	// MaxUploadBytes limits one dataset's files together, in bytes; 0:
	// DefaultMaxUploadBytes. Larger uploads fail with INVALID_ARGUMENT.
	MaxUploadBytes int64
	// CachedRounds is how many rounds are kept in memory for lookups,
	// placements and explanations; 0: DefaultCachedRounds. Others are
	// re-run from the store, and verified, when asked for.
	CachedRounds int
	// LookupRate limits each ward and auditor token to this many
	// LookupAddress calls per second (bursts of LookupBurstFactor times
	// as many); beyond it a call fails with RESOURCE_EXHAUSTED. Office
	// tokens are not limited. 0: DefaultLookupRate; negative: no limit.
	LookupRate float64
	// Log receives failed calls, changes and errors; nil discards them.
	Log *slog.Logger
}

// Server implements the catchment.v1 services over a store.
type Server struct {
	store  *store.Store
	tokens *Tokens
	cfg    Config
	log    *slog.Logger
	rounds *roundCache
	health *health.Server
	// heavy admits one round run or replay at a time.
	heavy chan struct{}
	// draining is closed when Drain begins: no new run or replay starts.
	draining  chan struct{}
	drainOnce sync.Once
	lookups   *limiter // nil: lookups are not limited

	pubMu     sync.RWMutex
	published map[geo.Level]string // level -> round id; nil until loaded
}

// New returns a server over an open store with the given tokens.
func New(st *store.Store, tokens *Tokens, cfg Config) *Server {
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if cfg.CachedRounds <= 0 {
		cfg.CachedRounds = DefaultCachedRounds
	}
	if cfg.LookupRate == 0 {
		cfg.LookupRate = DefaultLookupRate
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{store: st, tokens: tokens, cfg: cfg, log: cfg.Log, health: health.NewServer(), heavy: make(chan struct{}, 1),
		draining: make(chan struct{})}
	s.rounds = newRoundCache(cfg.CachedRounds, s.loadRound)
	if cfg.LookupRate > 0 {
		s.lookups = newLimiter(cfg.LookupRate, cfg.LookupRate*LookupBurstFactor)
	}
	return s
}

// GRPCServer returns a gRPC server with every catchment.v1 service, the
// authentication interceptors, message size limits, the health service
// and reflection; opts are added (e.g. TLS credentials). Its Stop waits
// for running handlers to return, so that the store can be closed after
// it.
func (s *Server) GRPCServer(opts ...grpc.ServerOption) *grpc.Server {
	opts = append([]grpc.ServerOption{
		grpc.WaitForHandlers(true),
		grpc.ChainUnaryInterceptor(s.unary),
		grpc.ChainStreamInterceptor(s.stream),
		grpc.MaxRecvMsgSize(MaxMessageBytes),
		grpc.MaxSendMsgSize(MaxMessageBytes),
	}, opts...)
	gs := grpc.NewServer(opts...)
	pb.RegisterDatasetServiceServer(gs, &datasetService{s: s})
	pb.RegisterRoundServiceServer(gs, &roundService{s: s})
	pb.RegisterCatchmentServiceServer(gs, &catchmentService{s: s})
	pb.RegisterAuditServiceServer(gs, &auditService{s: s})
	healthpb.RegisterHealthServer(gs, s.health)
	for name := range gs.GetServiceInfo() {
		s.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	reflection.Register(gs)
	return gs
}

// Drain marks every service NOT_SERVING in the health service, so that
// probes and load balancers stop sending calls before a graceful stop, and
// refuses to start rounds and replays: those still waiting for their turn
// fail with ErrShuttingDown; running ones complete.
func (s *Server) Drain() {
	s.drainOnce.Do(func() { close(s.draining) })
	s.health.Shutdown()
}

// Warm loads the published rounds into memory, re-running each from the
// store and verifying its outputs, so that the first lookups are fast.
// Failures are logged; lookups retry them.
func (s *Server) Warm(ctx context.Context) {
	pub, err := s.publishedRounds(ctx)
	if err != nil {
		s.log.Error("warm: published rounds", "err", err)
		return
	}
	seen := map[string]bool{}
	for _, id := range pub {
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, err := s.rounds.get(ctx, id); err != nil {
			s.log.Error("warm: round", "round", id, "err", err)
		}
	}
}

// publishedRounds returns the published round of each level, loading it
// from the store on first use.
func (s *Server) publishedRounds(ctx context.Context) (map[geo.Level]string, error) {
	s.pubMu.RLock()
	pub := s.published
	s.pubMu.RUnlock()
	if pub != nil {
		return pub, nil
	}
	return s.reloadPublished(ctx)
}

// reloadPublished reads the published rounds from the store.
func (s *Server) reloadPublished(ctx context.Context) (map[geo.Level]string, error) {
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	stored, err := s.store.Published(ctx)
	if err != nil {
		return nil, err
	}
	pub := map[geo.Level]string{}
	for code, id := range stored {
		if l, err := geo.ParseLevel(code); err == nil {
			pub[l] = id
		}
	}
	s.published = pub
	s.rounds.pin(pub)
	return pub, nil
}

// acquireHeavy waits for the slot of round runs and replays; wait is
// called first when the slot is taken. Once Drain has begun it fails with
// ErrShuttingDown.
func (s *Server) acquireHeavy(ctx context.Context, wait func()) (release func(), err error) {
	select {
	case s.heavy <- struct{}{}:
	default:
		if wait != nil {
			wait()
		}
		select {
		case s.heavy <- struct{}{}:
		case <-s.draining:
			return nil, ErrShuttingDown
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	select {
	case <-s.draining: // also when the slot was free
		<-s.heavy
		return nil, ErrShuttingDown
	default:
	}
	return func() { <-s.heavy }, nil
}
