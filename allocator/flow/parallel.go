package flow

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// chunkSize is the number of applicants a worker takes at a time in passes over All.
const chunkSize = 4096

// forChunks calls fn(worker, chunk, lo, hi) for every chunk [lo, hi) of [0, n) on the given number of
// goroutines. fn must store its results by chunk index, so that combining them in chunk order gives the
// same answer whatever the scheduling. The error returned is the one of the lowest failing chunk (every
// chunk runs, so the choice does not depend on scheduling), or ctx's error if it ended first. report,
// if not nil, is called from the calling goroutine with the number of applicants done so far.
func forChunks(ctx context.Context, n, workers int, fn func(w, c, lo, hi int) error, report func(done int)) error {
	chunks := (n + chunkSize - 1) / chunkSize
	workers = max(1, min(workers, chunks))
	errs := make([]error, chunks)
	done := make(chan int, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				lo, hi := c*chunkSize, min(n, (c+1)*chunkSize)
				errs[c] = fn(w, c, lo, hi)
				done <- hi - lo
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	total := 0
	for k := range done {
		total += k
		if report != nil {
			report(total)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("flow: %w", err)
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// forGroups calls fn(worker, k) for every k in [0, groups) on up to the given number of goroutines, or
// inline with one. fn must touch only its own group's data (and its worker's scratch), so that the
// result does not depend on the scheduling.
func forGroups(groups, workers int, fn func(w, k int)) {
	workers = max(1, min(workers, groups))
	if workers == 1 {
		for k := range groups {
			fn(0, k)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= groups {
					return
				}
				fn(w, k)
			}
		}()
	}
	wg.Wait()
}
