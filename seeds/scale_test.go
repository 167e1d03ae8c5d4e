package seeds

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/catchment/catchment/geo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// coreRadius and edgeRadius (metres from the ring-road centre) separate the
// dense core from the periphery.
const coreRadius, edgeRadius = 6000, 15000

// seatBalance holds applicants and non-selective seats of one level.
type seatBalance struct{ apps, seats, coreApps, coreSeats, edgeApps, edgeSeats, beyondCap int }

func TestDefaultCityBalancesSeatsLikeHanoi(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the full-size city")
	}
	city, err := Generate(DefaultConfig(), nil)
	require.NoError(t, err)
	checkCounts(t, city)
	sizes := landAreas(city)
	assert.Equal(t, 2, countLarge(sizes), "the river cuts the city in two (areas %v)", sizes)
	sp := newSchoolPicker(city.schools)
	for _, l := range geo.Levels() {
		b := balance(city, sp, l)
		all := 0
		for i := range city.schools {
			if city.schools[i].offers(l) {
				all += city.schools[i].seats(l)
			}
		}
		ratio := float64(all) / float64(b.apps)
		assert.True(t, ratio >= 0.95 && ratio <= 1.05, "%s: %.3f seats per applicant city-wide", l, ratio)
		core := float64(b.coreSeats) / float64(b.coreApps)
		edge := float64(b.edgeSeats) / float64(b.edgeApps)
		assert.Less(t, core, 0.94, "%s: the core is short of seats", l)
		assert.Greater(t, edge, 1.06, "%s: the periphery has spare seats", l)
		assert.Greater(t, b.beyondCap, b.apps/1000, "%s: some homes are more than 4 km from any school", l)
		t.Logf("%s: seats/applicants %.3f city, %.2f core, %.2f periphery; %d homes beyond 4 km", l, ratio, core, edge, b.beyondCap)
	}
}

// balance counts applicants and non-selective seats of level l in the core
// and the periphery, and homes beyond 4 km of any school of the level.
func balance(c *City, sp *schoolPicker, l geo.Level) seatBalance {
	var b seatBalance
	for i := range c.applicants {
		a := &c.applicants[i]
		if a.level != l {
			continue
		}
		b.apps++
		switch d := dist(a.pos, ringCentre); {
		case d < coreRadius:
			b.coreApps++
		case d > edgeRadius:
			b.edgeApps++
		}
		if n := sp.near[l].nearest(a.pos, 1, nil); dist(a.pos, c.schools[n[0]].pos) > 4000 {
			b.beyondCap++
		}
	}
	for i := range c.schools {
		s := &c.schools[i]
		if !s.offers(l) || s.selective {
			continue
		}
		switch d := dist(s.pos, ringCentre); {
		case d < coreRadius:
			b.coreSeats += s.seats(l)
		case d > edgeRadius:
			b.edgeSeats += s.seats(l)
		}
	}
	return b
}

// BenchmarkGenerateAndWriteDefault measures the full-size city: Generate
// plus WriteDir of every file.
func BenchmarkGenerateAndWriteDefault(b *testing.B) {
	b.ReportAllocs()
	dir := b.TempDir()
	for b.Loop() {
		city, err := Generate(DefaultConfig(), nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := city.WriteDir(dir, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if fi, err := os.Stat(filepath.Join(dir, "applicants.geojson")); err == nil {
		b.ReportMetric(float64(fi.Size())/1e6, "MB-applicants")
	}
}

// BenchmarkGenerateDefault measures Generate alone at full size.
func BenchmarkGenerateDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(DefaultConfig(), nil); err != nil {
			b.Fatal(err)
		}
	}
}
