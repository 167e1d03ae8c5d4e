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
// locators, and the published rounds besides. A missing round is loaded
// once however many callers ask for it at the same time, one load at a
// time, and a load is given up when every caller waiting for it has gone.
type roundCache struct {
	mu      sync.Mutex
	max     int // rounds kept besides the pinned ones
	entries map[string]*cached
	order   []string        // least recently used first
	pinned  map[string]bool // the published rounds: never evicted
	load    func(ctx context.Context, id string) (*round.Round, error)
	// fills admits one load at a time: each re-runs a whole round.
	fills chan struct{}
}

// cached is one round in memory; rd and err are set once ready is
// closed.
type cached struct {
	ready chan struct{}
	rd    *round.Round
	err   error
	// waiters counts the callers waiting for ready and cancel stops the
	// load (nil for a round put in memory); both guarded by roundCache.mu.
	waiters int
	cancel  context.CancelFunc

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
	return &roundCache{max: max, entries: map[string]*cached{}, load: load, fills: make(chan struct{}, 1)}
}

// get returns the round, loading it if needed. A load that fails is
// forgotten, so the next call tries again.
func (c *roundCache) get(ctx context.Context, id string) (*cached, error) {
	c.mu.Lock()
	e, ok := c.entries[id]
	if !ok {
		fill, cancel := context.WithCancel(context.WithoutCancel(ctx))
		e = &cached{ready: make(chan struct{}), cancel: cancel}
		c.insert(id, e)
		go c.fill(fill, id, e)
	} else {
		c.touch(id)
	}
	e.waiters++
	c.mu.Unlock()
	var err error
	select {
	case <-e.ready:
		err = e.err
	case <-ctx.Done():
		err = ctx.Err()
	}
	c.leave(id, e)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// leave ends one caller's wait; when it was the last caller of a load
// still running, the load is cancelled and forgotten.
func (c *roundCache) leave(id string, e *cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.waiters--
	select {
	case <-e.ready:
		return
	default:
	}
	if e.waiters == 0 {
		e.cancel()
		c.forget(id, e)
	}
}

func (c *roundCache) fill(ctx context.Context, id string, e *cached) {
	defer e.cancel()
	var rd *round.Round
	var err error
	select {
	case c.fills <- struct{}{}:
		rd, err = c.load(ctx, id)
		<-c.fills
	case <-ctx.Done():
		err = ctx.Err()
	}
	e.rd, e.err = slim(rd), err
	if e.err != nil {
		c.mu.Lock()
		c.forget(id, e)
		c.mu.Unlock()
	}
	close(e.ready)
}

// forget removes the entry unless another has replaced it. Callers hold
// mu.
func (c *roundCache) forget(id string, e *cached) {
	if c.entries[id] == e {
		delete(c.entries, id)
		c.order = slices.DeleteFunc(c.order, func(s string) bool { return s == id })
	}
}

// pin keeps the published rounds in memory whatever max is; rounds no
// longer published become ordinary entries.
func (c *roundCache) pin(published map[geo.Level]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pinned = map[string]bool{}
	for _, id := range published {
		c.pinned[id] = true
	}
	c.evict()
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

// insert adds an entry as the most recently used and evicts. Callers
// hold mu.
func (c *roundCache) insert(id string, e *cached) {
	c.entries[id] = e
	c.order = append(c.order, id)
	c.evict()
}

// evict drops the least recently used entries that are not pinned until
// at most max of them are left. Callers hold mu.
func (c *roundCache) evict() {
	unpinned := 0
	for _, id := range c.order {
		if !c.pinned[id] {
			unpinned++
		}
	}
	for i := 0; unpinned > c.max; {
		id := c.order[i]
		if c.pinned[id] {
			i++
			continue
		}
		delete(c.entries, id)
		c.order = slices.Delete(c.order, i, i+1)
		unpinned--
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
