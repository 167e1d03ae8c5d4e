package server

import (
	"context"
	"slices"
	"sync"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
	"github.com/catchment/catchment/round"
)

// roundCache keeps the most recently used rounds in memory with their
// locators. A missing round is loaded once however many callers ask for
// it at the same time.
type roundCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]*cached
	order   []string // least recently used first
	load    func(ctx context.Context, id string) (*round.Round, error)
}

// cached is one round in memory; rd and err are set once ready is
// closed.
type cached struct {
	ready chan struct{}
	rd    *round.Round
	err   error

	locOnce  [geo.NumLevels]sync.Once
	locators [geo.NumLevels]*round.Locator
	areaOnce sync.Once
	areas    *wardAreas
	// explainMu serialises explanations: allocator.Result.Explain updates
	// the applicant's list bookkeeping, so it is not safe for concurrent
	// use on one result.
	explainMu sync.Mutex
}

func newRoundCache(max int, load func(context.Context, string) (*round.Round, error)) *roundCache {
	return &roundCache{max: max, entries: map[string]*cached{}, load: load}
}

// get returns the round, loading it if needed. A load that fails is
// forgotten, so the next call tries again.
func (c *roundCache) get(ctx context.Context, id string) (*cached, error) {
	c.mu.Lock()
	e, ok := c.entries[id]
	if !ok {
		e = &cached{ready: make(chan struct{})}
		c.insert(id, e)
		go c.fill(context.WithoutCancel(ctx), id, e)
	} else {
		c.touch(id)
	}
	c.mu.Unlock()
	select {
	case <-e.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if e.err != nil {
		return nil, e.err
	}
	return e, nil
}

func (c *roundCache) fill(ctx context.Context, id string, e *cached) {
	rd, err := c.load(ctx, id)
	e.rd, e.err = slim(rd), err
	if e.err != nil {
		c.mu.Lock()
		if c.entries[id] == e {
			delete(c.entries, id)
			c.order = slices.DeleteFunc(c.order, func(s string) bool { return s == id })
		}
		c.mu.Unlock()
	}
	close(e.ready)
}

// put adds a round that is already in memory (one just run).
func (c *roundCache) put(id string, rd *round.Round) {
	e := &cached{ready: make(chan struct{}), rd: slim(rd)}
	close(e.ready)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[id]; ok {
		return
	}
	c.insert(id, e)
}

// slim returns the round without its rendered files, which the store
// keeps: the cache holds what lookups and explanations need.
func slim(rd *round.Round) *round.Round {
	if rd == nil {
		return nil
	}
	cp := *rd
	cp.Files = nil
	return &cp
}

// insert adds an entry as the most recently used and evicts the least
// recently used beyond max. Callers hold mu.
func (c *roundCache) insert(id string, e *cached) {
	c.entries[id] = e
	c.order = append(c.order, id)
	for len(c.order) > c.max {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}

// touch marks an entry as the most recently used. Callers hold mu.
func (c *roundCache) touch(id string) {
	i := slices.Index(c.order, id)
	if i >= 0 && i < len(c.order)-1 {
		c.order = append(slices.Delete(c.order, i, i+1), id)
	}
}

// locator returns the round's address locator for a level, built once.
func (e *cached) locator(l geo.Level) *round.Locator {
	e.locOnce[l].Do(func() { e.locators[l] = round.NewLocator(e.rd.Result, l) })
	return e.locators[l]
}

// wards returns the ward areas of the round's dataset, built once.
func (e *cached) wards() *wardAreas {
	e.areaOnce.Do(func() { e.areas = newWardAreas(e.rd) })
	return e.areas
}

// explain explains one applicant's placement.
func (e *cached) explain(applicantID string) (*allocator.Explanation, error) {
	e.explainMu.Lock()
	defer e.explainMu.Unlock()
	return e.rd.Result.Explain(applicantID)
}

// hasLevel reports whether the round allocated the level.
func (e *cached) hasLevel(l geo.Level) bool { return slices.Contains(e.rd.Result.Levels, l) }
