package server

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// limiter is a token bucket per token subject: each subject may take rate
// tokens a second, up to burst at once.
type limiter struct {
	rate, burst float64
	now         func() time.Time

	mu      sync.Mutex
	buckets map[string]bucket
}

// bucket is a subject's tokens left at a time.
type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(rate, burst float64) *limiter {
	return &limiter{rate: rate, burst: max(burst, 1), now: time.Now, buckets: map[string]bucket{}}
}

// allow takes a token from the subject's bucket; it reports false, taking
// nothing, when the bucket holds less than one.
func (l *limiter) allow(subject string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[subject]
	if !ok {
		b = bucket{tokens: l.burst, at: now}
	}
	b.tokens = min(l.burst, b.tokens+max(now.Sub(b.at).Seconds(), 0)*l.rate)
	b.at = now
	allowed := b.tokens >= 1
	if allowed {
		b.tokens--
	}
	l.buckets[subject] = b
	return allowed
}

// limitLookup fails with ErrRateLimited when a ward or auditor token has
// used up its address lookups; office tokens are not limited.
func (s *Server) limitLookup(ctx context.Context) error {
	p, err := principalOf(ctx)
	if err != nil || s.lookups == nil || p.Role == RoleOffice || s.lookups.allow(p.Subject) {
		return err
	}
	return fmt.Errorf("%w: at most %g a second for a %s token", ErrRateLimited, s.lookups.rate, p.Role)
}
