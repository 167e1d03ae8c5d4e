package seeds

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/catchment/catchment/geo"
)

// City is a generated demo city: wards, river, roads, schools and
// applicants. It is immutable once Generate returns it.
type City struct {
	cfg        Config
	world      *world
	schools    []school
	applicants []applicant
	roads      []road
	groups     []string // priority groups the applicants use, highest first
}

// Random streams, one per component, so that tuning one component leaves
// the others' draws unchanged.
const (
	streamMesh = iota + 1
	streamWardNames
	streamRiver
	streamSchools
	streamSchoolFlags
	streamClasses
	streamFeeders
	streamHomes
	streamAttributes
	streamPreferences
	streamRoads
)

// stream returns the random stream id of the city with the given seed.
func stream(seed int64, id uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x5eed_0000+id))
}

// Generate builds the city described by cfg, reporting progress to progress
// (which may be nil). It returns an error wrapping ErrInvalidConfig if a
// field of cfg is out of range, and never panics.
func Generate(cfg Config, progress Progress) (*City, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	progress.report("geography", 0, 1)
	w, err := makeWorld(cfg)
	if err != nil {
		return nil, err
	}
	progress.report("geography", 1, 1)
	c := &City{cfg: cfg, world: w}
	if err := c.makeSchools(progress); err != nil {
		return nil, err
	}
	sp := newSchoolPicker(c.schools)
	rs := applicantStreams{stream(cfg.Seed, streamHomes), stream(cfg.Seed, streamAttributes), stream(cfg.Seed, streamPreferences)}
	if c.applicants, err = makeApplicants(cfg, w, sp, rs, progress); err != nil {
		return nil, err
	}
	c.roads = makeRoads(w, stream(cfg.Seed, streamRoads))
	c.groups = usedGroups(c.applicants)
	return c, nil
}

// makeWorld builds the ward mesh, the wards and the river.
func makeWorld(cfg Config) (*world, error) {
	m, err := newMesh(cfg.Wards, stream(cfg.Seed, streamMesh))
	if err != nil {
		return nil, err
	}
	wards, err := newWards(m, towns(), stream(cfg.Seed, streamWardNames))
	if err != nil {
		return nil, err
	}
	uMin, uMax := span(m.outline(), 1000)
	r := newRiver(uMin, uMax, stream(cfg.Seed, streamRiver))
	w := newWorld(m, wards, r)
	r.clip(func(p xy) bool { return w.index.find(p.toLL(), 0) >= 0 })
	return w, nil
}

// makeSchools places the schools, sets their flags, classes and feeders.
func (c *City) makeSchools(progress Progress) error {
	seed := c.cfg.Seed
	kinds := schoolKinds(c.cfg.SchoolsPerLevel)
	progress.report("schools", 0, len(kinds))
	s, err := placeSchools(c.world, kinds, stream(seed, streamSchools))
	if err != nil {
		return err
	}
	markSchools(s, stream(seed, streamSchoolFlags))
	counts := levelCounts(c.cfg.Applicants)
	rng := stream(seed, streamClasses)
	for _, l := range geo.Levels() {
		allocateClasses(s, l, counts[l], rng)
	}
	sp := newSchoolPicker(s)
	linkFeeders(s, sp.near[geo.Grade1], stream(seed, streamFeeders))
	c.schools = s
	progress.report("schools", len(kinds), len(kinds))
	return nil
}

// usedGroups returns the priority groups that some applicant belongs to,
// highest first.
func usedGroups(apps []applicant) []string {
	used := make([]bool, len(priorityGroups))
	for i := range apps {
		if g := apps[i].priority; g >= 0 {
			used[g] = true
		}
	}
	var out []string
	for g, pg := range priorityGroups {
		if used[g] {
			out = append(out, pg.name)
		}
	}
	return out
}

// Stats returns a few human-readable lines: wards, schools by kind,
// applicants and seats per level, and city-wide seats per applicant.
func (c *City) Stats() string {
	var b strings.Builder
	urban := 0
	for _, w := range c.world.wards {
		if w.urban {
			urban++
		}
	}
	fmt.Fprintf(&b, "demo city: seed %d, year %d, %d wards and communes (%d urban), %.0f km2\n",
		c.cfg.Seed, c.cfg.Year, len(c.world.wards), urban, ringArea(c.world.outline)/1e6)
	c.schoolStats(&b)
	fmt.Fprintf(&b, "applicants: %d\n", len(c.applicants))
	fmt.Fprintf(&b, "%-11s %10s %8s %9s %9s %14s\n", "level", "applicants", "schools", "seats", "seats/app", "non-selective")
	counts := levelCounts(len(c.applicants))
	for _, l := range geo.Levels() {
		n, all, open := 0, 0, 0
		for i := range c.schools {
			if s := &c.schools[i]; s.offers(l) {
				n++
				all += s.seats(l)
				if !s.selective {
					open += s.seats(l)
				}
			}
		}
		fmt.Fprintf(&b, "%-11s %10d %8d %9d %8.1f%% %13.1f%%\n", l, counts[l], n, all,
			percent(all, counts[l]), percent(open, counts[l]))
	}
	return b.String()
}

// schoolStats writes the line about schools.
func (c *City) schoolStats(b *strings.Builder) {
	var kinds [numKinds]int
	sel, inc := 0, 0
	for i := range c.schools {
		s := &c.schools[i]
		kinds[s.kind]++
		sel += btoi(s.selective)
		inc += btoi(s.inclusive)
	}
	fmt.Fprintf(b, "schools: %d (%d kindergartens, %d primary, %d primary+lower-secondary, %d lower-secondary); %d selective, %d inclusive\n",
		len(c.schools), kinds[kindergarten], kinds[primary], kinds[combined], kinds[secondary], sel, inc)
}

// percent returns 100*a/b, or 0 when b is 0.
func percent(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// btoi returns 1 for true, 0 for false.
func btoi(v bool) int {
	if v {
		return 1
	}
	return 0
}

// ringArea returns the area of a closed ring in square metres (positive
// for counter-clockwise rings).
func ringArea(r []xy) float64 {
	var s int64
	for i := 0; i+1 < len(r); i++ {
		s += r[i].X*r[i+1].Y - r[i+1].X*r[i].Y
	}
	return float64(s) / 2
}
