package round

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
	"github.com/paulmach/orb"
)

// Summary is summary.json: figures for the admissions office and the wards,
// aggregates only.
type Summary struct {
	Engine     string         `json:"engine"`
	Mode       string         `json:"mode"`
	Year       int            `json:"year"`
	Seed       string         `json:"seed"`
	Totals     LevelSummary   `json:"totals"`
	Levels     []LevelSummary `json:"levels"`
	Wards      []WardSummary  `json:"wards"`
	Selective  []string       `json:"selective_schools_excluded"`
	WardSource string         `json:"ward_source"` // how applicants and schools were attributed to wards
	// Optimality holds the certificate of the optimal allocation, per level,
	// whenever one was computed (optimal mode, or the comparison).
	Optimality []allocator.Optimality `json:"optimality,omitempty"`
	// PriceOfStability compares the stable and the optimal allocation, per
	// level, when the round asked for the comparison.
	PriceOfStability []allocator.Comparison `json:"price_of_stability,omitempty"`
	// Warnings name inputs that were accepted but probably not meant: a
	// level whose applicants are all ineligible, a school property the
	// priority order ignores.
	Warnings []string `json:"warnings,omitempty"`
}

// LevelSummary holds the figures of one level (or of all, in Totals).
type LevelSummary struct {
	Level              string        `json:"level"`
	MaxDistanceM       int           `json:"max_distance_m,omitempty"`
	Applicants         int           `json:"applicants"`
	Eligible           int           `json:"eligible"`
	Assigned           int           `json:"assigned"`
	Unassigned         int           `json:"unassigned"`
	NoSchoolWithinCap  int           `json:"unassigned_no_school_within_cap"`
	Ineligible         int           `json:"ineligible"`
	PlacedShare        float64       `json:"placed_within_cap_share"` // assigned / eligible
	Distance           DistanceStats `json:"distance_m"`
	ChoiceRanks        ChoiceRanks   `json:"choice_ranks"`
	Schools            int           `json:"schools"`
	Seats              int           `json:"seats"`
	PlacesUsed         int           `json:"places_used"`
	FillRate           float64       `json:"fill_rate"` // places used / seats
	FullSchools        int           `json:"full_schools"`
	DisabilityAssigned int           `json:"children_with_disability_assigned"`
	// DisabilityInclusive counts those placed at an inclusive school.
	DisabilityInclusive int `json:"children_with_disability_at_inclusive_schools"`
}

// DistanceStats summarises home-to-school distances of assigned applicants
// in integer metres: the median is the lower median, p95 the nearest-rank
// 95th percentile, the mean rounded to 0.1 m.
type DistanceStats struct {
	Mean   float64 `json:"mean"`
	Median int     `json:"median"`
	P95    int     `json:"p95"`
	Max    int     `json:"max"`
	Total  int64   `json:"total"`
}

// ChoiceRanks counts assigned applicants by the rank of their school.
type ChoiceRanks struct {
	First  int `json:"first"`
	Second int `json:"second"`
	Third  int `json:"third"`
	Lower  int `json:"fourth_or_lower"`
}

// WardSummary holds one ward's figures for one level. Home figures count
// applicants living in the ward (only with a wards file); school figures
// count the schools located in it.
type WardSummary struct {
	Code         string  `json:"code"`
	Name         string  `json:"name,omitempty"`
	Level        string  `json:"level"`
	Applicants   int     `json:"applicants"`
	Assigned     int     `json:"assigned"`
	Unassigned   int     `json:"unassigned"`
	Ineligible   int     `json:"ineligible"`
	MeanDistance float64 `json:"mean_distance_m"`
	Schools      int     `json:"schools"`
	Seats        int     `json:"seats"`
	Admitted     int     `json:"admitted"`    // children admitted by the ward's schools
	PlacesUsed   int     `json:"places_used"` // places they take (a child with a disability may take several)
	FillRate     float64 `json:"fill_rate"`   // places used / seats
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return round4(float64(a) / float64(b))
}

// summarise computes the summary of a result; wards may be nil.
func summarise(r *allocator.Result, wards []geo.Ward, engine string) Summary {
	s := Summary{Engine: engine, Mode: string(r.Mode), Year: r.Year, Seed: r.Seed, Selective: []string{}}
	for _, si := range r.Excluded {
		s.Selective = append(s.Selective, r.Schools[si].ID)
	}
	s.Totals = levelSummary(r, nil)
	s.Totals.Level = "all"
	for _, l := range r.Levels {
		ls := levelSummary(r, &l)
		ls.MaxDistanceM = r.Policy.MaxDistanceM[l]
		s.Levels = append(s.Levels, ls)
	}
	s.Wards, s.WardSource = wardSummaries(r, wards)
	s.Optimality, s.PriceOfStability = r.Optimality, r.Comparison
	s.Warnings = warnings(r, &s)
	return s
}

// warnings lists what in the inputs has no effect or shuts a level out.
func warnings(r *allocator.Result, s *Summary) []string {
	var out []string
	for _, ls := range s.Levels {
		if ls.Applicants > 0 && ls.Ineligible == ls.Applicants {
			out = append(out, fmt.Sprintf("%s: all %d applicants are ineligible for the school year starting %d: check the year",
				ls.Level, ls.Applicants, r.Year))
		}
	}
	uses := func(k allocator.Key) bool { return slices.Contains(r.Policy.PriorityOrder, k) }
	feeders := 0
	for i := range r.Schools {
		if len(r.Schools[i].Feeder) > 0 {
			feeders++
		}
	}
	if feeders > 0 && !uses(allocator.KeyFeeder) && slices.Contains(r.Levels, geo.Grade6) {
		out = append(out, fmt.Sprintf("%d schools list feeder primary schools, but the policy's priority_order has no \"feeder\" key: the lists have no effect", feeders))
	}
	groups := 0
	for i := range r.Applicants {
		if r.Applicants[i].Priority != "" {
			groups++
		}
	}
	if groups > 0 && !uses(allocator.KeyPriority) {
		out = append(out, fmt.Sprintf("%d applicants name a priority group, but the policy's priority_order has no \"priority\" key: the groups have no effect", groups))
	}
	return out
}

func levelSummary(r *allocator.Result, level *geo.Level) LevelSummary {
	ls := LevelSummary{}
	if level != nil {
		ls.Level = level.String()
	}
	var dists []int
	for i := range r.Applicants {
		a, p := &r.Applicants[i], &r.Placements[i]
		if level != nil && a.Level != *level {
			continue
		}
		ls.Applicants++
		switch p.Status {
		case allocator.Ineligible:
			ls.Ineligible++
			continue
		case allocator.Unassigned:
			ls.Unassigned++
			if p.Listed == 0 {
				ls.NoSchoolWithinCap++
			}
		case allocator.Assigned:
			ls.Assigned++
			dists = append(dists, int(p.DistM))
			ls.ChoiceRanks.add(int(p.ChoiceRank))
			if a.Disability {
				ls.DisabilityAssigned++
				if r.Schools[p.School].Inclusive {
					ls.DisabilityInclusive++
				}
			}
		}
		ls.Eligible++
	}
	ls.PlacedShare = ratio(ls.Assigned, ls.Eligible)
	ls.Distance = distanceStats(dists)
	for i := range r.Offers {
		o := &r.Offers[i]
		if level != nil && o.Level != *level {
			continue
		}
		ls.Schools++
		ls.Seats += o.Seats
		ls.PlacesUsed += o.PlacesUsed
		if o.Seats > 0 && o.PlacesUsed >= o.Seats {
			ls.FullSchools++
		}
	}
	ls.FillRate = ratio(ls.PlacesUsed, ls.Seats)
	return ls
}

func (c *ChoiceRanks) add(rank int) {
	switch rank {
	case 1:
		c.First++
	case 2:
		c.Second++
	case 3:
		c.Third++
	default:
		c.Lower++
	}
}

func distanceStats(d []int) DistanceStats {
	if len(d) == 0 {
		return DistanceStats{}
	}
	slices.Sort(d)
	var total int64
	for _, v := range d {
		total += int64(v)
	}
	p95 := d[int(math.Ceil(0.95*float64(len(d))))-1]
	return DistanceStats{Mean: math.Round(float64(total)/float64(len(d))*10) / 10, Median: d[(len(d)-1)/2],
		P95: p95, Max: d[len(d)-1], Total: total}
}

type wardKey struct {
	code  string
	level geo.Level
}

// wardSummaries attributes homes to wards by point-in-polygon (when wards
// are given) and schools by their ward property, else by point-in-polygon.
func wardSummaries(r *allocator.Result, wards []geo.Ward) ([]WardSummary, string) {
	source := "schools by their ward property; no wards file, so no home figures"
	names := map[string]string{}
	var ix *geo.AreaIndex
	if len(wards) > 0 {
		source = "homes by point in ward polygon; schools by their ward property, else by point in polygon"
		ws := slices.Clone(wards)
		slices.SortFunc(ws, func(a, b geo.Ward) int { return cmp.Compare(a.Code, b.Code) })
		shapes := make([]orb.MultiPolygon, len(ws))
		for i := range ws {
			shapes[i] = ws[i].Shape
			names[ws[i].Code] = ws[i].Name
		}
		ix = geo.NewAreaIndex(shapes)
		wards = ws
	}
	rows := map[wardKey]*WardSummary{}
	row := func(code string, l geo.Level) *WardSummary {
		k := wardKey{code, l}
		if rows[k] == nil {
			rows[k] = &WardSummary{Code: code, Name: names[code], Level: l.String()}
		}
		return rows[k]
	}
	if ix != nil {
		homeWards(r, wards, ix, row)
	}
	for i := range r.Offers {
		o := &r.Offers[i]
		s := &r.Schools[o.School]
		code := s.Ward
		if code == "" && ix != nil {
			if w := ix.First(s.Loc); w >= 0 {
				code = wards[w].Code
			}
		}
		w := row(code, o.Level)
		w.Schools++
		w.Seats += o.Seats
		w.Admitted += o.Assigned
		w.PlacesUsed += o.PlacesUsed
	}
	out := make([]WardSummary, 0, len(rows))
	for _, w := range rows {
		w.FillRate = ratio(w.PlacesUsed, w.Seats)
		out = append(out, *w)
	}
	slices.SortFunc(out, func(a, b WardSummary) int {
		return cmp.Or(cmp.Compare(a.Code, b.Code), cmp.Compare(levelOrder(a.Level), levelOrder(b.Level)))
	})
	return out, source
}

func levelOrder(code string) int {
	l, _ := geo.ParseLevel(code)
	return int(l)
}

// homeWards counts applicants by the ward containing their home; homes
// outside every ward count under code "".
func homeWards(r *allocator.Result, wards []geo.Ward, ix *geo.AreaIndex, row func(string, geo.Level) *WardSummary) {
	totals := map[wardKey]int64{}
	for i := range r.Applicants {
		a, p := &r.Applicants[i], &r.Placements[i]
		code := ""
		if w := ix.First(a.Loc); w >= 0 {
			code = wards[w].Code
		}
		w := row(code, a.Level)
		w.Applicants++
		switch p.Status {
		case allocator.Assigned:
			w.Assigned++
			totals[wardKey{code, a.Level}] += int64(p.DistM)
		case allocator.Unassigned:
			w.Unassigned++
		case allocator.Ineligible:
			w.Ineligible++
		}
	}
	for k, t := range totals {
		w := row(k.code, k.level)
		w.MeanDistance = math.Round(float64(t)/float64(w.Assigned)*10) / 10
	}
}
