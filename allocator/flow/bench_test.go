package flow

import (
	"context"
	"math"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func benchCity(b *testing.B, n, m, k, tiers int) {
	start := time.Now()
	c := genCity(42, n, m, math.Sqrt(float64(m)/1000), k, tiers)
	b.Logf("city: %d applicants, %d schools, %d arcs (%.1f per applicant), Initial = %d nearest, built in %v",
		n, m, len(c.arcs), float64(len(c.arcs))/float64(n), k, time.Since(start).Round(time.Millisecond))
	p := c.problem()
	if v, err := strconv.Atoi(os.Getenv("FLOWROUNDS")); err == nil {
		p.MaxRounds = v
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		times := map[string]time.Duration{}
		last, stage := time.Now(), ""
		progress := func(s string, done, total int) {
			now := time.Now()
			if stage != "" {
				times[stage] += now.Sub(last)
			}
			last, stage = now, s
		}
		var ru0, ru1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		sol, err := Solve(context.Background(), p, progress)
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		b.ReportMetric(float64(ru1.Utime.Sec-ru0.Utime.Sec)+float64(ru1.Utime.Usec-ru0.Utime.Usec)/1e6, "user-s")
		times[stage] += time.Since(last)
		if err != nil {
			b.Log(err)
			return
		}
		for _, s := range []string{"initial", "augment", "pricing", "verify"} {
			b.ReportMetric(times[s].Seconds(), s+"-s")
		}
		st := sol.Stats
		b.ReportMetric(float64(sol.Certificate.Rounds), "rounds")
		b.ReportMetric(float64(st.Phases), "phases")
		b.Logf("assigned %v cost %v rounds %d phases %d augment %d moves %d added %d rebuilds %d pairs %d times %v",
			sol.Assigned, sol.Cost, sol.Certificate.Rounds, st.Phases, st.Augmentations, st.Moves, st.AddedArcs, st.Rebuilds, sol.Certificate.PairsChecked, times)
	}
}

func BenchmarkSolve155k(b *testing.B) { benchCity(b, 155_000, 1000, benchK(24), 1) }

// BenchmarkSolve1600k takes a few minutes and about 4 GB; run it with -bench 1600k.
func BenchmarkSolve1600k(b *testing.B) { benchCity(b, 1_600_000, 3000, benchK(24), 1) }

func BenchmarkSolve40k(b *testing.B) { benchCity(b, 40_000, 260, benchK(12), 1) }

func benchK(def int) int {
	if v, err := strconv.Atoi(os.Getenv("FLOWK")); err == nil {
		return v
	}
	return def
}
