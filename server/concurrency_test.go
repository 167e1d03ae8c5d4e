package server

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/stretchr/testify/require"
)

// TestLookupsWhileARoundRunsAndIsPublished has many clients look up
// addresses, and read placements and explanations, while the office runs
// a second round and publishes it. Run it with -race.
func TestLookupsWhileARoundRunsAndIsPublished(t *testing.T) {
	h := newHarness(t, Config{LookupRate: -1}) // thousands of lookups by the auditor
	datasetID, first := h.publishedRound()
	points := samplePoints(localRound(t, "published", false), 500)

	var stop atomic.Bool
	var lookups, failures atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	fail := func(err error) {
		failures.Add(1)
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	tokens := []string{tokOffice, tokAuditor}
	for c := range 24 {
		wg.Go(func() {
			ctx := as(tokens[c%2])
			for i := c; !stop.Load() || i < c+50; i++ {
				pt := points[i%len(points)]
				resp, err := h.places.LookupAddress(ctx, &pb.LookupAddressRequest{Longitude: pt.Lon(), Latitude: pt.Lat(), Level: pb.Level(1 + i%5)})
				if err != nil {
					fail(err)
					return
				}
				lookups.Add(1)
				if id := resp.GetRoundId(); id != first && id != "r2" {
					fail(context.Canceled)
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for !stop.Load() {
				if _, err := h.rounds.ExplainPlacement(as(tokAuditor), &pb.ExplainPlacementRequest{RoundId: first, ApplicantId: someChild}); err != nil {
					fail(err)
					return
				}
			}
		})
	}
	before := lookups.Load()
	second := h.run(datasetID, "second")
	during := lookups.Load() - before
	_, err := h.rounds.PublishRound(as(tokOffice), &pb.PublishRoundRequest{RoundId: second.GetId()})
	require.NoError(t, err)
	stop.Store(true)
	wg.Wait()
	require.NoError(t, firstErr)
	require.Zero(t, failures.Load())
	require.Positive(t, during, "lookups were answered while the round ran")
	require.GreaterOrEqual(t, lookups.Load(), int64(24*50))
	t.Logf("%d lookups, %d of them while round %s ran", lookups.Load(), during, second.GetId())
}
