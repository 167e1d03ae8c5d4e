package flow

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// solvedCity solves a small generated city (with seats multiplied by seats) and returns its problem
// and solution.
func solvedCity(t *testing.T, seed uint64, tiers int, seats int32) (*Problem, *Solution) {
	t.Helper()
	c := genCity(seed, 3000, 40, math.Sqrt(40.0/1000), 6, tiers)
	for j := range c.caps {
		c.caps[j] *= seats
	}
	p := c.problem()
	sol, err := Solve(context.Background(), p, nil)
	require.NoError(t, err, "seed %d", seed)
	return p, sol
}

// retotal recomputes a solution's per-tier totals from its schools, so that only the certificate can
// catch a perturbation.
func retotal(t *testing.T, p *Problem, s *Solution) {
	t.Helper()
	clear(s.Assigned)
	clear(s.Cost)
	for i, j := range s.School {
		if j < 0 {
			continue
		}
		arcs := p.All(i, nil)
		k := slices.IndexFunc(arcs, func(a Arc) bool { return a.School == j })
		require.GreaterOrEqual(t, k, 0, "applicant %d has no arc to school %d", i, j)
		s.Assigned[tierOf(p, i)]++
		s.Cost[tierOf(p, i)] += int64(arcs[k].Cost)
	}
}

func clone(s *Solution) *Solution {
	c := *s
	c.School = slices.Clone(s.School)
	c.Assigned = slices.Clone(s.Assigned)
	c.Cost = slices.Clone(s.Cost)
	c.Certificate.Price = slices.Clone(s.Certificate.Price)
	return &c
}

// arcTo returns applicant i's cost at school j, or -1.
func arcTo(p *Problem, i int, j int32) int32 {
	for _, a := range p.All(i, nil) {
		if a.School == j {
			return a.Cost
		}
	}
	return -1
}

func TestVerifyRejectsPerturbedSolutions(t *testing.T) {
	const seed = 77
	t.Logf("seed %d", seed)
	short, shortSol := solvedCity(t, seed, 1, 1)
	ample, ampleSol := solvedCity(t, seed, 1, 2)
	require.True(t, shortSol.Certificate.Verified)
	require.Equal(t, shortSol.Certificate.PairsChecked, countArcs(short))

	tests := []struct {
		name    string
		ample   bool // use the city with twice the seats
		perturb func(t *testing.T, p *Problem, s *Solution)
	}{
		{"two applicants swap schools, which costs more in total", false, func(t *testing.T, p *Problem, s *Solution) {
			for i := range s.School {
				for k := i + 1; k < len(s.School); k++ {
					a, b := s.School[i], s.School[k]
					if a < 0 || b < 0 || a == b {
						continue
					}
					ib, ka := arcTo(p, i, b), arcTo(p, k, a)
					if ib < 0 || ka < 0 || ib+ka <= arcTo(p, i, a)+arcTo(p, k, b) {
						continue
					}
					s.School[i], s.School[k] = b, a
					return
				}
			}
			t.Fatal("no swap found")
		}},
		{"one applicant moves to a farther school with a free seat", true, func(t *testing.T, p *Problem, s *Solution) {
			load := make([]int32, len(p.Capacity))
			for _, j := range s.School {
				if j >= 0 {
					load[j]++
				}
			}
			for i, j := range s.School {
				if j < 0 {
					continue
				}
				for _, a := range p.All(i, nil) {
					if a.Cost > arcTo(p, i, j) && load[a.School] < p.Capacity[a.School] {
						s.School[i] = a.School
						return
					}
				}
			}
			t.Fatal("no farther free seat found")
		}},
		{"an applicant who could be placed is left out", false, func(t *testing.T, p *Problem, s *Solution) {
			for i, j := range s.School {
				if j >= 0 {
					s.School[i] = -1
					return
				}
			}
		}},
		{"one school's price is corrupted so its own applicant would rather move", false, func(t *testing.T, p *Problem, s *Solution) {
			for i, j := range s.School {
				if j >= 0 && len(p.All(i, nil)) > 1 {
					s.Certificate.Price[int(j)*s.Certificate.Tiers] += 2 * MaxCost
					return
				}
			}
			t.Fatal("no applicant with two arcs")
		}},
		{"a full school's price drops to zero", false, func(t *testing.T, p *Problem, s *Solution) {
			for j := range p.Capacity {
				if s.Certificate.Price[j] > 0 {
					s.Certificate.Price[j] = 0
					return
				}
			}
			t.Fatal("no school with a positive price")
		}},
		{"a price goes negative", false, func(t *testing.T, p *Problem, s *Solution) {
			s.Certificate.Price[0] = -1
		}},
		{"one more applicant is squeezed into a full school", false, func(t *testing.T, p *Problem, s *Solution) {
			load := make([]int32, len(p.Capacity))
			for _, j := range s.School {
				if j >= 0 {
					load[j]++
				}
			}
			for i, j := range s.School {
				if j >= 0 {
					continue
				}
				for _, a := range p.All(i, nil) {
					if load[a.School] == p.Capacity[a.School] {
						s.School[i] = a.School
						return
					}
				}
			}
			t.Fatal("no unassigned applicant next to a full school")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, bad := short, clone(shortSol)
			if tt.ample {
				p, bad = ample, clone(ampleSol)
			}
			tt.perturb(t, p, bad)
			retotal(t, p, bad)
			err := Verify(p, bad)
			require.ErrorIs(t, err, ErrCertificate)
			require.False(t, bad.Certificate.Verified)
		})
	}
}

func countArcs(p *Problem) int64 {
	var n int64
	for i := 0; i < p.Applicants; i++ {
		n += int64(len(p.All(i, nil)))
	}
	return n
}

func TestVerifyRejectsMalformedSolutions(t *testing.T) {
	p, sol := solvedCity(t, 78, 2, 1)
	tests := []struct {
		name    string
		perturb func(s *Solution)
	}{
		{"the school list is one short", func(s *Solution) { s.School = s.School[1:] }},
		{"a school index is out of range", func(s *Solution) { s.School[0] = int32(len(p.Capacity)) }},
		{"an applicant sits at a school it has no arc to", func(s *Solution) {
			for i := range s.School {
				for j := range p.Capacity {
					if arcTo(p, i, int32(j)) < 0 {
						s.School[i] = int32(j)
						return
					}
				}
			}
		}},
		{"the reported cost is off by one metre", func(s *Solution) { s.Cost[0]++ }},
		{"the reported count is off by one", func(s *Solution) { s.Assigned[1]-- }},
		{"the certificate has the wrong number of tiers", func(s *Solution) { s.Certificate.Tiers = 1 }},
		{"the certificate has the wrong bonus", func(s *Solution) { s.Certificate.Bonus-- }},
		{"the price list is too short", func(s *Solution) { s.Certificate.Price = s.Certificate.Price[1:] }},
		{"a price is beyond the bound", func(s *Solution) { s.Certificate.Price[0] = math.MaxInt64 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := clone(sol)
			tt.perturb(bad)
			require.ErrorIs(t, Verify(p, bad), ErrCertificate)
		})
	}
	require.ErrorIs(t, Verify(p, nil), ErrCertificate)
}
