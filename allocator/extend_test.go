package allocator

import (
	"context"
	"fmt"
	"testing"

	"github.com/catchment/catchment/geo"
	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"
)

func TestAChildRejectedByEveryNearbySchoolReachesADistantOne(t *testing.T) {
	home := orb.Point{105.85, 21.0}
	var in Input
	in.Year, in.Seed, in.Mode, in.Policy = 2026, "s", Stable, DefaultPolicy()
	// Seven one-seat schools at the children's door, one far away: the
	// lists start with the nearest six and must be extended past an empty
	// ring of more than a kilometre.
	for i := 0; i < firstListLen+1; i++ {
		s := geo.School{ID: fmt.Sprintf("N%d", i), Loc: home}
		s.Seats[geo.Grade1], s.HasSeats[geo.Grade1] = 1, true
		in.Schools = append(in.Schools, s)
	}
	far := geo.School{ID: "FAR", Loc: orb.Point{105.85, 21.03}} // 3336 m
	far.Seats[geo.Grade1], far.HasSeats[geo.Grade1] = 1, true
	in.Schools = append(in.Schools, far)
	for i := 0; i < firstListLen+2; i++ {
		in.Applicants = append(in.Applicants, geo.Applicant{ID: fmt.Sprintf("A%d", i), Loc: home, Level: geo.Grade1, BirthYear: 2020})
	}
	r, err := Allocate(context.Background(), in)
	require.NoError(t, err)
	require.NoError(t, newOracle(in).check(r))
	atFar := 0
	for i, p := range r.Placements {
		require.Equal(t, Assigned, p.Status, r.Applicants[i].ID)
		if r.Schools[p.School].ID == "FAR" {
			atFar++
			require.EqualValues(t, 3336, p.DistM)
			require.EqualValues(t, firstListLen+2, p.ChoiceRank)
		}
	}
	require.Equal(t, 1, atFar)
}
