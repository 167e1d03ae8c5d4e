package flow

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSolveIsExactWhateverTheInitialArcs(t *testing.T) {
	const seed = 11
	t.Logf("seed %d", seed)
	c := genCity(seed, 20000, 130, math.Sqrt(130.0/1000), 0, 3)
	var want *Solution
	for _, k := range []int{0, 1, 4, 16, 1000} {
		c.k = k
		sol, err := Solve(context.Background(), c.problem(), nil)
		require.NoError(t, err, "k %d", k)
		require.True(t, sol.Certificate.Verified)
		t.Logf("k %d: assigned %v cost %v, %d rounds, %d phases, %d arcs added",
			k, sol.Assigned, sol.Cost, sol.Certificate.Rounds, sol.Stats.Phases, sol.Stats.AddedArcs)
		if want == nil {
			want = sol
			continue
		}
		require.Equal(t, want.Assigned, sol.Assigned, "k %d", k)
		require.Equal(t, want.Cost, sol.Cost, "k %d", k)
	}
	require.Positive(t, want.Assigned[2], "the lowest tier gets seats too")
}

func TestSolveIsDeterministic(t *testing.T) {
	const seed = 12
	t.Logf("seed %d", seed)
	c := genCity(seed, 20000, 130, math.Sqrt(130.0/1000), 8, 2)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var first *Solution
	for _, run := range []struct{ procs, workers int }{{1, 0}, {2, 0}, {2, 3}, {1, 5}, {2, 0}} {
		runtime.GOMAXPROCS(run.procs)
		p := c.problem()
		p.Workers = run.workers
		sol, err := Solve(context.Background(), p, nil)
		require.NoError(t, err)
		if first == nil {
			first = sol
			continue
		}
		require.Equal(t, first.School, sol.School, "GOMAXPROCS %d, Workers %d", run.procs, run.workers)
		require.Equal(t, first.Certificate, sol.Certificate)
		require.Equal(t, first.Stats, sol.Stats)
	}
}

func TestSolveStopsWhenCancelled(t *testing.T) {
	c := genCity(13, 20000, 130, math.Sqrt(130.0/1000), 8, 1)
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		stop func(cancel context.CancelFunc) func(string, int, int)
		want error
	}{
		{"a context cancelled before the call", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, nil, context.Canceled},
		{"a context cancelled while routing", func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}, func(cancel context.CancelFunc) func(string, int, int) {
			return func(stage string, _, _ int) {
				if stage == "augment" {
					cancel()
				}
			}
		}, context.Canceled},
		{"a context cancelled while pricing", func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}, func(cancel context.CancelFunc) func(string, int, int) {
			return func(stage string, _, _ int) {
				if stage == "pricing" {
					cancel()
				}
			}
		}, context.Canceled},
		{"a deadline that has passed", func() (context.Context, context.CancelFunc) {
			return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		}, nil, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			var progress func(string, int, int)
			if tt.stop != nil {
				progress = tt.stop(cancel)
			}
			start := time.Now()
			_, err := Solve(ctx, c.problem(), progress)
			require.ErrorIs(t, err, tt.want)
			require.Less(t, time.Since(start), 5*time.Second)
		})
	}
}

func TestSolveRejectsInvalidInput(t *testing.T) {
	arcs := func(a ...Arc) func(int, []Arc) []Arc {
		return func(_ int, dst []Arc) []Arc { return append(dst, a...) }
	}
	good := func() *Problem {
		return &Problem{Applicants: 2, Capacity: []int32{1, 1},
			Initial: arcs(Arc{0, 10}), All: arcs(Arc{0, 10}, Arc{1, 20})}
	}
	tests := []struct {
		name   string
		break_ func(p *Problem)
		want   error
	}{
		{"a negative capacity", func(p *Problem) { p.Capacity[1] = -1 }, ErrInvalid},
		{"a negative number of applicants", func(p *Problem) { p.Applicants = -1 }, ErrInvalid},
		{"too many applicants", func(p *Problem) { p.Applicants = MaxApplicants + 1 }, ErrLimit},
		{"too many schools", func(p *Problem) { p.Capacity = make([]int32, MaxSchools+1) }, ErrLimit},
		{"a tier list of the wrong length", func(p *Problem) { p.Tier = []uint8{0} }, ErrInvalid},
		{"a tier beyond the limit", func(p *Problem) { p.Tier = []uint8{0, MaxTiers} }, ErrLimit},
		{"no Initial callback", func(p *Problem) { p.Initial = nil }, ErrInvalid},
		{"no All callback", func(p *Problem) { p.All = nil }, ErrInvalid},
		{"negative workers", func(p *Problem) { p.Workers = -1 }, ErrInvalid},
		{"too many rounds allowed", func(p *Problem) { p.MaxRounds = MaxRounds + 1 }, ErrLimit},
		{"an initial arc to a school that does not exist", func(p *Problem) { p.Initial = arcs(Arc{2, 10}) }, ErrInvalid},
		{"an arc to a negative school", func(p *Problem) { p.All = arcs(Arc{-1, 10}) }, ErrInvalid},
		{"an arc with a negative cost", func(p *Problem) { p.All = arcs(Arc{0, 10}, Arc{1, -5}) }, ErrInvalid},
		{"an arc dearer than the limit", func(p *Problem) { p.All = arcs(Arc{0, 10}, Arc{1, MaxCost + 1}) }, ErrLimit},
		{"the same school listed twice", func(p *Problem) { p.All = arcs(Arc{0, 10}, Arc{0, 10}) }, ErrInvalid},
		{"an initial arc missing from All", func(p *Problem) { p.All = arcs(Arc{1, 20}) }, ErrInvalid},
		{"an initial arc whose cost differs in All", func(p *Problem) { p.All = arcs(Arc{0, 11}) }, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good()
			tt.break_(p)
			_, err := Solve(context.Background(), p, nil)
			require.ErrorIs(t, err, tt.want)
		})
	}
	_, err := Solve(context.Background(), nil, nil)
	require.ErrorIs(t, err, ErrInvalid)
	sol, err := Solve(context.Background(), good(), nil)
	require.NoError(t, err)
	require.Equal(t, []int32{0, 1}, sol.School)
}

func TestSolveStopsAfterMaxRounds(t *testing.T) {
	c := genCity(14, 3000, 40, math.Sqrt(40.0/1000), 0, 1)
	p := c.problem()
	p.MaxRounds = 1
	_, err := Solve(context.Background(), p, nil)
	require.ErrorIs(t, err, ErrLimit)
}

func TestSolveHandlesEdgeCases(t *testing.T) {
	none := func(int, []Arc) []Arc { return nil }
	tests := []struct {
		name string
		p    *Problem
		want []int32
	}{
		{"no applicants", &Problem{Capacity: []int32{3}, Initial: none, All: none}, []int32{}},
		{"no schools", &Problem{Applicants: 2, Initial: none, All: none}, []int32{-1, -1}},
		{"one seat for two at the same distance goes to one of them",
			&Problem{Applicants: 2, Capacity: []int32{1}, Initial: none,
				All: func(_ int, dst []Arc) []Arc { return append(dst, Arc{0, 5}) }}, []int32{-1, 0}},
		{"a higher tier is seated even if it lives farther",
			&Problem{Applicants: 2, Capacity: []int32{1}, Tier: []uint8{1, 0}, Initial: none,
				All: func(i int, dst []Arc) []Arc { return append(dst, Arc{0, int32(5 + 100*(1-i))}) }},
			[]int32{-1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sol, err := Solve(context.Background(), tt.p, nil)
			require.NoError(t, err)
			require.Equal(t, tt.want, sol.School)
			require.True(t, sol.Certificate.Verified)
		})
	}
}

func TestKeysOrderLikeTheirVectors(t *testing.T) {
	const seed = 15
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	vec := func(t int, v int32) []int64 {
		x := make([]int64, MaxTiers)
		x[t] = int64(v)
		return x
	}
	for range 100000 {
		t1, t2 := rng.IntN(MaxTiers), rng.IntN(MaxTiers)
		v1, v2 := rng.Int32N(2*keyHalf+1)-keyHalf, rng.Int32N(2*keyHalf+1)-keyHalf
		if rng.IntN(4) == 0 {
			v1 = 0
		}
		k1, k2 := packKey(t1, v1), packKey(t2, v2)
		want := cmpVec(vec(t1, v1), vec(t2, v2))
		got := 0
		if k1 < k2 {
			got = -1
		} else if k1 > k2 {
			got = 1
		}
		require.Equal(t, want, got, "(%d,%d) vs (%d,%d)", t1, v1, t2, v2)
		if v1 != 0 {
			ut, uv := unpackKey(k1)
			require.Equal(t, t1, ut)
			require.Equal(t, v1, uv)
		}
	}
}

func TestErrorsNameTheApplicantAndArc(t *testing.T) {
	p := &Problem{Applicants: 3, Capacity: []int32{1},
		Initial: func(int, []Arc) []Arc { return nil },
		All: func(i int, dst []Arc) []Arc {
			if i == 2 {
				return append(dst, Arc{0, 1}, Arc{7, 1})
			}
			return dst
		}}
	_, err := Solve(context.Background(), p, nil)
	require.ErrorIs(t, err, ErrInvalid)
	require.EqualError(t, err, "flow: invalid problem: applicant 2: All arc 1: school 7 out of range [0,1)")
	require.False(t, errors.Is(err, ErrCertificate))
}
