package round

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/seeds"
	"github.com/stretchr/testify/require"
)

// BenchmarkRound runs whole rounds on generated cities at 100k, 400k (the
// demo city) and 1.6M applicants, all levels, stable mode, and reports each
// phase: load (decode and validate), allocate (index, lists, deferred
// acceptance), render (the four files) and write (atomic directory).
func BenchmarkRound(b *testing.B) {
	for _, n := range []int{100_000, 400_000, 1_600_000} {
		b.Run(fmt.Sprintf("applicants=%d", n), func(b *testing.B) {
			if n > 400_000 && testing.Short() {
				b.Skip("1.6M applicants: run without -short")
			}
			city := benchCity(b, n)
			b.ReportAllocs()
			var load, alloc, render, write time.Duration
			for i := 0; b.Loop(); i++ {
				out := filepath.Join(b.TempDir(), fmt.Sprint("round", i))
				in := cityInputs(b, city, out)
				var mu sync.Mutex
				started := map[string]time.Time{}
				t0 := time.Now()
				rd, err := Run(context.Background(), Request{Inputs: in, Year: 2026, Seed: "bench", Mode: allocator.Stable,
					Progress: func(stage string, done, total int) {
						mu.Lock()
						defer mu.Unlock()
						if _, seen := started[stage]; !seen {
							started[stage] = time.Now()
						}
					}})
				require.NoError(b, err)
				t3 := time.Now()
				require.NoError(b, rd.WriteDir(out))
				t4 := time.Now()
				renderAt := started["render outputs"]
				allocAt := firstStage(started, "lists ", renderAt)
				load += allocAt.Sub(t0)
				alloc += renderAt.Sub(allocAt)
				render += t3.Sub(renderAt)
				write += t4.Sub(t3)
			}
			per := func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(b.N) }
			b.ReportMetric(per(load), "load-ms")
			b.ReportMetric(per(alloc), "allocate-ms")
			b.ReportMetric(per(render), "render-ms")
			b.ReportMetric(per(write), "write-ms")
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-sys-MiB")
		})
	}
}

// firstStage returns when the first stage with the prefix started, or
// fallback.
func firstStage(started map[string]time.Time, prefix string, fallback time.Time) time.Time {
	first := fallback
	for stage, at := range started {
		if strings.HasPrefix(stage, prefix) && at.Before(first) {
			first = at
		}
	}
	return first
}

func benchCity(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	cfg := seeds.DefaultConfig()
	cfg.SchoolsPerLevel = max(cfg.SchoolsPerLevel*n/cfg.Applicants, 50)
	cfg.Applicants = n
	city, err := seeds.Generate(cfg, nil)
	require.NoError(b, err)
	require.NoError(b, city.WriteDir(dir, nil))
	return dir
}
