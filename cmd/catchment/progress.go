package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress prints long steps on stderr: a line when a stage starts, one
// at most every second while it runs, and one with its duration when it
// ends. It never prints applicant data.
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	quiet  bool
	start  map[string]time.Time
	last   map[string]time.Time
	ended  map[string]bool
	every  time.Duration
	origin time.Time
}

func newProgress(w io.Writer, quiet bool) *progress {
	return &progress{w: w, quiet: quiet, start: map[string]time.Time{}, last: map[string]time.Time{},
		ended: map[string]bool{}, every: time.Second, origin: time.Now()}
}

// report is an allocator.Progress.
func (p *progress) report(stage string, done, total int) {
	if p == nil || p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	began, seen := p.start[stage]
	if seen && p.ended[stage] && done < total { // a stage that repeats, such as an optimal round's augment
		seen = false
		p.ended[stage] = false
	}
	switch {
	case !seen:
		began = now
		p.start[stage], p.last[stage] = now, now
		if done < total {
			fmt.Fprintf(p.w, "[%6.2fs] %s ...\n", now.Sub(p.origin).Seconds(), stage)
			return
		}
		fallthrough
	case done >= total && !p.ended[stage]:
		p.ended[stage] = true
		fmt.Fprintf(p.w, "[%6.2fs] %s done in %s\n", now.Sub(p.origin).Seconds(), stage, now.Sub(began).Round(time.Millisecond))
	case done < total && now.Sub(p.last[stage]) >= p.every:
		p.last[stage] = now
		fmt.Fprintf(p.w, "[%6.2fs] %s %d/%d (%.0f%%)\n", now.Sub(p.origin).Seconds(), stage, done, total, 100*float64(done)/float64(max(total, 1)))
	}
}

// step reports a stage that is one unit of work and returns its end.
func (p *progress) step(stage string) func() {
	p.report(stage, 0, 1)
	return func() { p.report(stage, 1, 1) }
}
