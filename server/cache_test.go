package server

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/round"
	"github.com/stretchr/testify/require"
)

// logBuffer collects a server's log while its handlers write to it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestPublishedRoundsStayInMemoryBesidesTheCachedOnes(t *testing.T) {
	var log logBuffer
	h := newHarness(t, Config{CachedRounds: 1, Log: slog.New(slog.NewTextHandler(&log, nil))})
	datasetID, published := h.publishedRound()
	h.run(datasetID, "second") // each run is put in memory: with room for one, the
	h.run(datasetID, "third")  // published round would be the first to go
	for _, token := range []string{tokOffice, tokAuditor, tokWard(wardA)} {
		got, err := h.places.LookupAddress(as(token), &pb.LookupAddressRequest{Longitude: homeInA.Lon(), Latitude: homeInA.Lat(),
			Level: pb.Level_LEVEL_GRADE1})
		require.NoError(t, err)
		require.Equal(t, published, got.GetRoundId())
	}
	_, err := h.places.PreviewWard(as(tokWard(wardA)), &pb.PreviewWardRequest{RoundId: published, WardCode: wardA})
	require.NoError(t, err)
	require.NotContains(t, log.String(), "round loaded from the store", "the published round was never re-run")
}

func TestOldRoundsAreReloadedOneAtATime(t *testing.T) {
	h := newHarness(t, Config{CachedRounds: 1, LookupRate: -1})
	datasetID, _ := h.publishedRound()
	old := []string{h.run(datasetID, "old 1").GetId(), h.run(datasetID, "old 2").GetId()}
	h.run(datasetID, "latest") // evicts both old rounds
	var running, most, loads atomic.Int32
	load := h.srv.rounds.load
	h.srv.rounds.load = func(ctx context.Context, id string) (*round.Round, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		loads.Add(1)
		return load(ctx, id)
	}
	errs := make(chan error, 8)
	for i := range cap(errs) {
		go func() {
			_, err := h.places.LookupAddress(as(tokWard(wardA)), &pb.LookupAddressRequest{RoundId: old[i%2],
				Longitude: homeInA.Lon(), Latitude: homeInA.Lat(), Level: pb.Level_LEVEL_GRADE1})
			errs <- err
		}()
	}
	for range cap(errs) {
		require.NoError(t, <-errs)
	}
	require.EqualValues(t, 1, most.Load(), "one re-run at a time")
	require.Positive(t, loads.Load())
}

func TestALoadNobodyWaitsForIsCancelled(t *testing.T) {
	started, cancelled := make(chan string, 16), make(chan string, 16)
	c := newRoundCache(1, func(ctx context.Context, id string) (*round.Round, error) {
		started <- id
		<-ctx.Done()
		cancelled <- id
		return nil, ctx.Err()
	})
	cases := []struct {
		name    string
		callers int
	}{
		{"one caller that gives up", 1},
		{"three callers that all give up", 3},
	}
	for i, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			id := fmt.Sprintf("r%d", i+1)
			ctx, cancel := context.WithCancel(context.Background())
			errs := make(chan error, cs.callers)
			for range cs.callers {
				go func() {
					_, err := c.get(ctx, id)
					errs <- err
				}()
			}
			require.Equal(t, id, received(t, started, "the load started"))
			require.Eventually(t, func() bool { return waiters(c, id) == cs.callers }, 5*time.Second, time.Millisecond)
			cancel()
			for range cs.callers {
				require.ErrorIs(t, <-errs, context.Canceled)
			}
			require.Equal(t, id, received(t, cancelled, "the load was cancelled once every caller had gone"))
		})
	}
}

func TestALoadGoesOnWhileSomeoneStillWaits(t *testing.T) {
	release := make(chan struct{})
	c := newRoundCache(1, func(ctx context.Context, id string) (*round.Round, error) {
		select {
		case <-release:
			return &round.Round{}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
	impatient, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() {
		_, err := c.get(impatient, "r1")
		gaveUp <- err
	}()
	waited := make(chan error, 1)
	go func() {
		_, err := c.get(context.Background(), "r1")
		waited <- err
	}()
	require.Eventually(t, func() bool { return waiters(c, "r1") == 2 }, 5*time.Second, time.Millisecond)
	cancel()
	require.ErrorIs(t, <-gaveUp, context.Canceled)
	close(release)
	require.NoError(t, <-waited)
}

// waiters returns how many callers wait for a round of the cache.
func waiters(c *roundCache, id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entries[id]; e != nil {
		return e.waiters
	}
	return 0
}

// received returns the next value of ch, failing after 5 s.
func received[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting: " + what)
	}
	var zero T
	return zero
}
