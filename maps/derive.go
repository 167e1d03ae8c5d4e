package maps

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
	"github.com/catchment/catchment/round"
	"github.com/paulmach/orb"
)

// Options tune a derivation.
type Options struct {
	// CellM is the raster cell size in metres; 0 means DefaultCellM.
	CellM float64
	// Boundary is the city outline the catchments are clipped to. When nil
	// the union of Wards is used; when both are empty, the bounding box of
	// the placed homes widened by the level's cap.
	Boundary orb.MultiPolygon
	// Wards locate schools that have no ward property, and clip when
	// Boundary is nil.
	Wards []geo.Ward
	// Rivers is a GeoJSON FeatureCollection of water: polygons (the water
	// surface) and lines (centre lines). When given, catchments whose land
	// lies on more than one side of the water are reported.
	Rivers []byte
	// Progress, when not nil, receives the progress of long stages.
	Progress allocator.Progress
}

// Clip kinds: what a derivation was clipped to.
const (
	ClipBoundary = "boundary"
	ClipWards    = "wards"
	ClipHomes    = "homes"
)

// Set is the derived catchments of one or more levels of a round.
type Set struct {
	Round      RoundRef
	Levels     []geo.Level
	CellM      float64
	Clip       string      // ClipBoundary, ClipWards or ClipHomes
	Rivers     bool        // whether water was given, so CrossesRiver means something
	Rule       string      // how an address is assigned to a school
	Catchments []Catchment // sorted by (school id, level)
	Problems   []Problem   // sorted by (school id, level, kind)
	// Ward, when not nil, is the ward the set was filtered to (Set.InWard)
	// and its totals.
	Ward *WardTotals
}

// WardTotals sums the figures of the schools located in a ward.
type WardTotals struct {
	Code       string  `json:"code"`
	Name       string  `json:"name"`
	Schools    int     `json:"schools"`
	Seats      int     `json:"seats"`
	Assigned   int     `json:"assigned"`
	PlacesUsed int     `json:"places_used"`
	Fill       float64 `json:"fill"`
}

// RoundRef identifies the round a Set was derived from.
type RoundRef struct {
	Engine string `json:"engine"`
	Mode   string `json:"mode"`
	Year   int    `json:"year"`
	Seed   string `json:"seed"`
}

// Catchment is one school's catchment for one level, with the school's
// aggregate figures (never applicant rows).
type Catchment struct {
	SchoolID   string
	Name       string
	Ward       string // the school's ward: its ward property, else the ward containing it
	Level      geo.Level
	Location   orb.Point // the school
	Seats      int
	Assigned   int     // children admitted
	PlacesUsed int     // places they take (a child with a disability may take more than one)
	Classes    int     // classes the admitted children form
	Fill       float64 // PlacesUsed / Seats, rounded to 4 decimals
	Cutoff     *Cutoff // nil when nobody was admitted
	// Shape is the catchment, largest part first; nil when it covers no
	// cell centre.
	Shape          orb.MultiPolygon
	Parts          int
	MainPartShare  float64 // area of the largest part / total area, 4 decimals
	ContainsSchool bool
	// RiverSides is how many land regions separated by water the
	// catchment covers; more than one: it crosses the river.
	RiverSides int
	AreaKm2    float64 // on the sphere of geo.EarthRadiusM, 4 decimals
	Color      string  // "#rrggbb": differs from its neighbours' where the palette allows
}

// Cutoff is the priority key of the last child a school admitted, as in
// schools.csv.
type Cutoff struct {
	Priority  string `json:"priority"`
	Residence string `json:"residence"`
	DistanceM int    `json:"distance_m"`
	Lottery   string `json:"lottery"`
}

// Problem kinds.
const (
	ProblemNotContiguous = "not_contiguous"
	ProblemSchoolOutside = "school_outside"
	ProblemEmpty         = "empty"
	ProblemCrossesRiver  = "crosses_river"
)

// Problem is a catchment an official should look at.
type Problem struct {
	SchoolID string `json:"school_id"`
	Level    string `json:"level"`
	Kind     string `json:"kind"`
	Message  string `json:"message"`
}

// ErrNoLevel is returned when a derivation asks for a level the round did
// not allocate.
var ErrNoLevel = errors.New("maps: level not allocated in this round")

// Derive derives the catchments of the given levels (nil: every level of
// the result) by labelling a raster of cells with the school of the
// nearest placed home of the level within its cap, as round.Locator does
// for one address, and tracing the cells of each school into polygons. It
// fails on a level the round did not allocate, a cell size out of range,
// or when ctx ends.
func Derive(ctx context.Context, r *allocator.Result, levels []geo.Level, opt Options) (*Set, error) {
	if levels == nil {
		levels = r.Levels
	}
	levels = slices.Clone(levels)
	slices.Sort(levels)
	levels = slices.Compact(levels)
	for _, l := range levels {
		if !slices.Contains(r.Levels, l) {
			return nil, fmt.Errorf("%w: %s", ErrNoLevel, l)
		}
	}
	if opt.CellM == 0 {
		opt.CellM = DefaultCellM
	}
	s := &Set{Round: RoundRef{Engine: round.Engine, Mode: string(r.Mode), Year: r.Year, Seed: r.Seed},
		Levels: levels, CellM: opt.CellM, Rule: "nearest placed home of the level within the level's cap (ties by applicant id)"}
	clip, kind := clipRegion(r, levels, opt)
	s.Clip = kind
	if len(clip) == 0 {
		return s, nil
	}
	g, err := newGrid(multiBound(clip), opt.CellM)
	if err != nil {
		return nil, err
	}
	opt.Progress.Report("clip raster", 0, 1)
	in := g.mask(clip)
	opt.Progress.Report("clip raster", 1, 1)
	water, err := decodeLayer(opt.Rivers)
	if err != nil {
		return nil, fmt.Errorf("maps: rivers: %w", err)
	}
	bk := newBanks(&g, in, water)
	s.Rivers = bk != nil
	wards := newWardLocator(opt.Wards)
	for _, l := range levels {
		lr, err := deriveLevel(ctx, r, l, &g, in, opt.Progress)
		if err != nil {
			return nil, err
		}
		if bk != nil {
			lr.sides = bk.sides(lr.labels)
		}
		cs, ps := lr.catchments(r, wards)
		s.Catchments = append(s.Catchments, cs...)
		s.Problems = append(s.Problems, ps...)
	}
	slices.SortStableFunc(s.Catchments, func(a, b Catchment) int {
		return cmp.Or(cmp.Compare(a.SchoolID, b.SchoolID), cmp.Compare(a.Level, b.Level))
	})
	slices.SortStableFunc(s.Problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.SchoolID, b.SchoolID), cmp.Compare(levelRank(a.Level), levelRank(b.Level)), cmp.Compare(a.Kind, b.Kind))
	})
	return s, nil
}

func levelRank(code string) int {
	l, err := geo.ParseLevel(code)
	if err != nil {
		return geo.NumLevels
	}
	return int(l)
}

// clipRegion returns the polygons the raster is clipped to and their kind.
func clipRegion(r *allocator.Result, levels []geo.Level, opt Options) ([]orb.Polygon, string) {
	if len(opt.Boundary) > 0 {
		return opt.Boundary, ClipBoundary
	}
	if len(opt.Wards) > 0 {
		var polys []orb.Polygon
		for _, w := range opt.Wards {
			polys = append(polys, w.Shape...)
		}
		return polys, ClipWards
	}
	var b orb.Bound
	found := false
	for i := range r.Applicants {
		a := &r.Applicants[i]
		if r.Placements[i].Status != allocator.Assigned || !slices.Contains(levels, a.Level) {
			continue
		}
		nb := geo.BoundAround(a.Loc, r.Policy.MaxDistanceM[a.Level])
		if !found {
			b, found = nb, true
		}
		b = b.Union(nb)
	}
	if !found {
		return nil, ClipHomes
	}
	return []orb.Polygon{b.ToPolygon()}, ClipHomes
}

func multiBound(polys []orb.Polygon) orb.Bound {
	b := polys[0].Bound()
	for _, p := range polys[1:] {
		b = b.Union(p.Bound())
	}
	return b
}

// levelRaster is one level's labelled raster and its traced components.
type levelRaster struct {
	level  geo.Level
	g      *grid
	lab    *labeller
	labels []int32
	tr     *tracer
	rings  [][][]pt      // per component: outer ring, then holes
	sides  map[int32]int // per school: land regions covered (nil without water)
}

func deriveLevel(ctx context.Context, r *allocator.Result, l geo.Level, g *grid, in []bool, progress allocator.Progress) (*levelRaster, error) {
	stage := "label cells " + l.String()
	progress.Report(stage, 0, g.ny)
	lr := &levelRaster{level: l, g: g, lab: newLabeller(r, l, orb.Bound{Min: g.centre(0, 0), Max: g.centre(g.nx-1, g.ny-1)})}
	var err error
	lr.labels, err = lr.lab.labelGrid(ctx, g, in, func(done, total int) { progress.Report(stage, done, total) })
	if err != nil {
		return nil, err
	}
	stage = "trace polygons " + l.String()
	progress.Report(stage, 0, 1)
	lr.tr = components(g, lr.labels)
	if lr.rings, err = lr.tr.rings(); err != nil {
		return nil, err
	}
	progress.Report(stage, 1, 1)
	return lr, nil
}

// part is one polygon of a catchment.
type part struct {
	poly  orb.Polygon
	area  float64 // km²
	first int
}

// catchments assembles the level's catchments, one per offer, and their
// problems.
func (lr *levelRaster) catchments(r *allocator.Result, wards *wardLocator) ([]Catchment, []Problem) {
	parts := map[int32][]part{}
	for c, comp := range lr.tr.comps {
		p := part{first: comp.first}
		for k, ring := range lr.rings[c] {
			or := lr.toRing(ring)
			a := ringAreaKm2(or)
			if k == 0 {
				p.area += a
			} else {
				p.area -= a
			}
			p.poly = append(p.poly, or)
		}
		parts[comp.label] = append(parts[comp.label], p)
	}
	colors := lr.colors(r)
	var cs []Catchment
	var ps []Problem
	for i := range r.Offers {
		o := &r.Offers[i]
		if o.Level != lr.level {
			continue
		}
		s := &r.Schools[o.School]
		c := Catchment{SchoolID: s.ID, Name: s.Name, Ward: wards.wardOf(s), Level: o.Level, Location: s.Loc,
			Seats: o.Seats, Assigned: o.Assigned, PlacesUsed: o.PlacesUsed, Classes: o.Classes(&r.Policy),
			Fill: round4(ratio(o.PlacesUsed, o.Seats)), Color: colors[o.School]}
		if o.Cutoff >= 0 {
			a := &r.Applicants[o.Cutoff]
			c.Cutoff = &Cutoff{Priority: a.Priority, Residence: a.Residence.String(), DistanceM: int(o.CutoffDistM),
				Lottery: allocator.LotteryHex(r.Placements[o.Cutoff].Lottery)}
		}
		own := parts[o.School]
		slices.SortStableFunc(own, func(a, b part) int {
			return cmp.Or(-cmp.Compare(a.area, b.area), cmp.Compare(a.first, b.first))
		})
		total := 0.0
		for _, p := range own {
			c.Shape = append(c.Shape, p.poly)
			total += p.area
		}
		c.Parts = len(own)
		c.RiverSides = lr.sides[o.School]
		if c.Parts > 0 {
			c.AreaKm2 = round4(total)
			c.MainPartShare = round4(own[0].area / total)
		}
		// Decided at the school's address by the rule itself, as the
		// address lookup does, so that it does not depend on the cell size.
		var buf []int32
		c.ContainsSchool = c.Parts > 0 && lr.lab.label(s.Loc, &buf) == o.School
		cs = append(cs, c)
		ps = append(ps, lr.problems(r, &c)...)
	}
	return cs, ps
}

// problems reports a catchment that is empty, in pieces, or without its
// school.
func (lr *levelRaster) problems(r *allocator.Result, c *Catchment) []Problem {
	p := Problem{SchoolID: c.SchoolID, Level: c.Level.String()}
	var out []Problem
	switch {
	case c.Parts == 0 && c.Assigned == 0:
		p.Kind, p.Message = ProblemEmpty, "admitted nobody, so it has no catchment"
		return append(out, p)
	case c.Parts == 0:
		p.Kind = ProblemEmpty
		p.Message = fmt.Sprintf("admitted %d, but none of their homes is the nearest placed home at any cell centre at %v m",
			c.Assigned, lr.g.cellM)
		return append(out, p)
	}
	if c.Parts > 1 {
		p.Kind = ProblemNotContiguous
		p.Message = fmt.Sprintf("%d separate parts; the largest holds %.1f%% of the area", c.Parts, 100*c.MainPartShare)
		out = append(out, p)
	}
	if c.RiverSides > 1 {
		p.Kind = ProblemCrossesRiver
		p.Message = fmt.Sprintf("its land lies on %d sides of the water: some of its addresses are across the river from others", c.RiverSides)
		out = append(out, p)
	}
	if !c.ContainsSchool {
		p.Kind = ProblemSchoolOutside
		var buf []int32
		if home := lr.lab.locate(c.Location, &buf); home >= 0 {
			p.Message = fmt.Sprintf("the school lies outside its catchment; its own address belongs to %s", r.Schools[lr.lab.school[home]].ID)
		} else {
			p.Message = "the school lies outside its catchment; no placed home of the level is within the cap of its address"
		}
		out = append(out, p)
	}
	return out
}

// toRing converts a traced ring to degrees.
func (lr *levelRaster) toRing(ring []pt) orb.Ring {
	out := make(orb.Ring, len(ring))
	for k, p := range ring {
		x, y := lr.g.half(p.a, p.b)
		out[k] = orb.Point{micro(x), micro(y)}
	}
	return out
}

// ringAreaKm2 returns the area of a ring on the sphere of geo.EarthRadiusM
// in km², exact for edges along meridians and parallels.
func ringAreaKm2(r orb.Ring) float64 {
	s := 0.0
	for k := 0; k+1 < len(r); k++ {
		a, b := r[k], r[k+1]
		s += float64((b[0]-a[0])*math.Pi/180) * float64(math.Sin(a[1]*math.Pi/180)+math.Sin(b[1]*math.Pi/180))
	}
	return math.Abs(s) / 2 * geo.EarthRadiusM * geo.EarthRadiusM / 1e6
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// palette holds the fill colours of catchments: light enough for lines
// and labels drawn on top, distinct from the blue of water.
var palette = []string{
	"#8dd3c7", "#fb8072", "#bebada", "#fdb462", "#b3de69", "#fccde5",
	"#bc80bd", "#ccebc5", "#ffed6f", "#e5c494", "#a6d854", "#e78ac3",
}

// colors gives each school of the level a palette colour, in school id
// order, choosing for each the colour that shares the least boundary with
// the schools already coloured (ties by a hash of the school id, so that
// colours spread): neighbours differ wherever the palette allows.
func (lr *levelRaster) colors(r *allocator.Result) map[int32]string {
	g := lr.g
	shared := map[[2]int32]int{}
	for j := range g.ny {
		for i := range g.nx {
			a := lr.labels[j*g.nx+i]
			if a < 0 {
				continue
			}
			if i+1 < g.nx {
				if b := lr.labels[j*g.nx+i+1]; b >= 0 && b != a {
					shared[[2]int32{min(a, b), max(a, b)}]++
				}
			}
			if j+1 < g.ny {
				if b := lr.labels[(j+1)*g.nx+i]; b >= 0 && b != a {
					shared[[2]int32{min(a, b), max(a, b)}]++
				}
			}
		}
	}
	type edge struct {
		other int32
		n     int
	}
	adj := map[int32][]edge{}
	for k, n := range shared {
		adj[k[0]] = append(adj[k[0]], edge{k[1], n})
		adj[k[1]] = append(adj[k[1]], edge{k[0], n})
	}
	colour := map[int32]int{}
	out := map[int32]string{}
	for i := range r.Offers { // school id order
		o := &r.Offers[i]
		if o.Level != lr.level {
			continue
		}
		var cost [16]int
		for _, e := range adj[o.School] {
			if c, ok := colour[e.other]; ok {
				cost[c] += e.n
			}
		}
		h := int(fnv32(r.Schools[o.School].ID) % uint32(len(palette)))
		best := h
		for k := range palette {
			c := (h + k) % len(palette)
			if cost[c] < cost[best] {
				best = c
			}
		}
		colour[o.School] = best
		out[o.School] = palette[best]
	}
	return out
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// wardLocator finds the ward of a school: its ward property, else the
// ward whose polygon contains it.
type wardLocator struct {
	wards []geo.Ward // sorted by code
	ix    *geo.AreaIndex
}

func newWardLocator(wards []geo.Ward) *wardLocator {
	ws := slices.Clone(wards)
	slices.SortFunc(ws, func(a, b geo.Ward) int { return cmp.Compare(a.Code, b.Code) })
	shapes := make([]orb.MultiPolygon, len(ws))
	for i := range ws {
		shapes[i] = ws[i].Shape
	}
	return &wardLocator{wards: ws, ix: geo.NewAreaIndex(shapes)}
}

func (w *wardLocator) wardOf(s *geo.School) string {
	if s.Ward != "" {
		return s.Ward
	}
	if k := w.ix.First(s.Loc); k >= 0 {
		return w.wards[k].Code
	}
	return ""
}
