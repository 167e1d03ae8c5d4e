package round

import (
	"context"
	"testing"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"
)

// summaryInput is one preschool5 school of 7 places in ward W1, inclusive,
// with a child with a disability (6 places) and another child; a grade-6
// school with a feeder list; grade-6 applicants all born in the wrong
// year, one naming a priority group.
func summaryInput() allocator.Input {
	in := allocator.Input{Year: 2026, Seed: "s", Mode: allocator.Stable, Policy: allocator.DefaultPolicy()}
	in.Policy.PriorityOrder = []allocator.Key{allocator.KeyDistance, allocator.KeyLottery}
	k := geo.School{ID: "K", Ward: "W1", Loc: orb.Point{105.85, 21.0}, Inclusive: true}
	k.Seats[geo.Preschool5], k.HasSeats[geo.Preschool5] = 7, true
	g := geo.School{ID: "G", Ward: "W1", Loc: orb.Point{105.85, 21.0}, Feeder: []string{"P1"}}
	g.Seats[geo.Grade6], g.HasSeats[geo.Grade6] = 45, true
	in.Schools = []geo.School{k, g}
	home := orb.Point{105.85, 21.001}
	in.Applicants = []geo.Applicant{
		{ID: "D", Level: geo.Preschool5, BirthYear: 2021, Loc: home, Disability: true},
		{ID: "N", Level: geo.Preschool5, BirthYear: 2021, Loc: home},
		{ID: "X", Level: geo.Grade6, BirthYear: 2000, Loc: home, Priority: "poor_household"},
		{ID: "Y", Level: geo.Grade6, BirthYear: 2000, Loc: home},
	}
	in.Policy.PriorityGroups = []string{"poor_household"}
	return in
}

func TestWardFiguresCountChildrenAndPlacesApart(t *testing.T) {
	r, err := allocator.Allocate(context.Background(), summaryInput())
	require.NoError(t, err)
	s := summarise(r, nil, "test")
	var got *WardSummary
	for i := range s.Wards {
		if s.Wards[i].Code == "W1" && s.Wards[i].Level == "preschool5" {
			got = &s.Wards[i]
		}
	}
	require.NotNil(t, got)
	require.Equal(t, 2, got.Admitted, "children")
	require.Equal(t, 7, got.PlacesUsed, "6 + 1 places")
	require.Equal(t, 1.0, got.FillRate)
	require.Equal(t, 1, s.Levels[geo.Preschool5].DisabilityInclusive)
}

func TestTheSummaryWarnsAboutInputsThatHaveNoEffect(t *testing.T) {
	r, err := allocator.Allocate(context.Background(), summaryInput())
	require.NoError(t, err)
	s := summarise(r, nil, "test")
	require.Equal(t, []string{
		"grade6: all 2 applicants are ineligible for the school year starting 2026: check the year",
		`1 schools list feeder primary schools, but the policy's priority_order has no "feeder" key: the lists have no effect`,
		`1 applicants name a priority group, but the policy's priority_order has no "priority" key: the groups have no effect`,
	}, s.Warnings)
}
