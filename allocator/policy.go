package allocator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/catchment/catchment/geo"
)

// Key is one criterion of a school's priority order over applicants.
type Key string

// The priority keys. Lower values rank first for every key: a higher
// priority group, inside the catchment, a feeder-school leaver, permanent
// residence, a shorter distance, a lower lottery number.
const (
	KeyPriority    Key = "priority"     // policy group, highest first; no group last
	KeyInCatchment Key = "in_catchment" // home inside the school's published route
	KeyFeeder      Key = "feeder"       // grade 6: leaves one of the school's feeder primaries
	KeyResidence   Key = "residence"    // permanent before temporary
	KeyDistance    Key = "distance"     // integer metres, shorter first
	KeyLottery     Key = "lottery"      // the applicant's lottery number, lower first
)

// maxGroups is the most priority groups a policy may list.
const maxGroups = 254

var knownKeys = [numKeys]Key{KeyPriority, KeyInCatchment, KeyFeeder, KeyResidence, KeyDistance, KeyLottery}

const numKeys = 6

// PerLevel holds one integer per entry level, written in JSON as an object
// keyed by level code.
type PerLevel [geo.NumLevels]int

// Policy is the admission policy of a round. Every round writes the full
// policy, defaults included, into its manifest.
type Policy struct {
	ClassCaps          PerLevel // pupils per class
	MaxDistanceM       PerLevel // metres; schools farther than this are never candidates
	PriorityOrder      []Key    // lexicographic; ties then break by applicant id
	PriorityGroups     []string // names, highest priority first
	AgeExceptionYears  int      // how much older than the level's age a child with a disability may be
	AgeExceptionGroups []string // priority groups that share the age exception
	// DisabilityClassReduction is, per level, how many places a class loses
	// for each child with a disability in it: such a child takes
	// 1 + DisabilityClassReduction places of the school's intake.
	DisabilityClassReduction PerLevel
}

// DefaultPolicy returns the built-in policy: class caps of the preschool
// charter and Circulars 28/2020 and 32/2020 (25, 30, 35, 35, 45), 4 km for
// preschool and primary and 7 km for grade 6, the order priority,
// in_catchment, residence, distance, lottery, a 3-year age exception for
// children with disabilities, and the preschool charter's 5 places per child
// with a disability.
func DefaultPolicy() Policy {
	return Policy{
		ClassCaps:                PerLevel{25, 30, 35, 35, 45},
		MaxDistanceM:             PerLevel{4000, 4000, 4000, 4000, 7000},
		PriorityOrder:            []Key{KeyPriority, KeyInCatchment, KeyResidence, KeyDistance, KeyLottery},
		PriorityGroups:           []string{},
		AgeExceptionYears:        3,
		AgeExceptionGroups:       []string{},
		DisabilityClassReduction: PerLevel{5, 5, 5, 0, 0},
	}
}

// policyJSON is the file format. Pointers tell an omitted key (keep the
// default) from a given one.
type policyJSON struct {
	ClassCaps                map[string]int `json:"class_caps,omitempty"`
	MaxDistanceM             map[string]int `json:"max_distance_m,omitempty"`
	PriorityOrder            *[]Key         `json:"priority_order,omitempty"`
	PriorityGroups           *[]string      `json:"priority_groups,omitempty"`
	AgeExceptionYears        *int           `json:"age_exception_years,omitempty"`
	AgeExceptionGroups       *[]string      `json:"age_exception_groups,omitempty"`
	DisabilityClassReduction map[string]int `json:"disability_class_reduction,omitempty"`
}

// ParsePolicy reads a policy file. Omitted keys keep their defaults; a
// level map overrides only the levels it names. Unknown keys, unknown levels
// and invalid values are errors naming the key.
func ParsePolicy(data []byte) (Policy, error) {
	p := DefaultPolicy()
	var in policyJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return p, fmt.Errorf("allocator: policy: %w", err)
	}
	if dec.More() {
		return p, errors.New("allocator: policy: unexpected data after the JSON object")
	}
	for _, m := range []struct {
		name string
		src  map[string]int
		dst  *PerLevel
	}{{"class_caps", in.ClassCaps, &p.ClassCaps}, {"max_distance_m", in.MaxDistanceM, &p.MaxDistanceM},
		{"disability_class_reduction", in.DisabilityClassReduction, &p.DisabilityClassReduction}} {
		if err := mergeLevels(m.name, m.src, m.dst); err != nil {
			return p, err
		}
	}
	setIf(&p.PriorityOrder, in.PriorityOrder)
	setIf(&p.PriorityGroups, in.PriorityGroups)
	setIf(&p.AgeExceptionYears, in.AgeExceptionYears)
	setIf(&p.AgeExceptionGroups, in.AgeExceptionGroups)
	return p, p.Validate()
}

func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

func mergeLevels(name string, src map[string]int, dst *PerLevel) error {
	for code, v := range src {
		lv, err := geo.ParseLevel(code)
		if err != nil {
			return fmt.Errorf("allocator: policy: %s: %w", name, err)
		}
		dst[lv] = v
	}
	return nil
}

// Validate reports the first invalid value, naming its key.
func (p Policy) Validate() error {
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("allocator: policy: %s: %s", key, fmt.Sprintf(format, args...))
	}
	for _, lv := range geo.Levels() {
		if p.ClassCaps[lv] < 1 || p.ClassCaps[lv] > 200 {
			return bad("class_caps", "%s is %d, want 1..200", lv, p.ClassCaps[lv])
		}
		if p.MaxDistanceM[lv] < 1 || p.MaxDistanceM[lv] > 100000 {
			return bad("max_distance_m", "%s is %d, want 1..100000 metres", lv, p.MaxDistanceM[lv])
		}
		if r := p.DisabilityClassReduction[lv]; r < 0 || r >= p.ClassCaps[lv] {
			return bad("disability_class_reduction", "%s is %d, want 0..%d", lv, r, p.ClassCaps[lv]-1)
		}
	}
	if err := checkOrder(p.PriorityOrder); err != nil {
		return bad("priority_order", "%v", err)
	}
	if err := checkNames(p.PriorityGroups); err != nil {
		return bad("priority_groups", "%v", err)
	}
	if len(p.PriorityGroups) > maxGroups {
		return bad("priority_groups", "%d groups, at most %d", len(p.PriorityGroups), maxGroups)
	}
	if p.AgeExceptionYears < 0 || p.AgeExceptionYears > 10 {
		return bad("age_exception_years", "%d, want 0..10", p.AgeExceptionYears)
	}
	if err := checkNames(p.AgeExceptionGroups); err != nil {
		return bad("age_exception_groups", "%v", err)
	}
	for _, g := range p.AgeExceptionGroups {
		if !slices.Contains(p.PriorityGroups, g) {
			return bad("age_exception_groups", "%q is not one of priority_groups", g)
		}
	}
	return nil
}

func checkOrder(order []Key) error {
	for i, k := range order {
		if !slices.Contains(knownKeys[:], k) {
			return fmt.Errorf("unknown key %q (want priority, in_catchment, feeder, residence, distance or lottery)", k)
		}
		if slices.Contains(order[:i], k) {
			return fmt.Errorf("%q is listed twice", k)
		}
	}
	return nil
}

func checkNames(names []string) error {
	for i, n := range names {
		if n == "" {
			return fmt.Errorf("entry %d is empty", i)
		}
		if slices.Contains(names[:i], n) {
			return fmt.Errorf("%q is listed twice", n)
		}
	}
	return nil
}

// MarshalJSON writes the full policy with every key, levels in code order.
func (p Policy) MarshalJSON() ([]byte, error) {
	out := policyJSON{
		ClassCaps:                p.ClassCaps.toMap(),
		MaxDistanceM:             p.MaxDistanceM.toMap(),
		PriorityOrder:            &p.PriorityOrder,
		PriorityGroups:           nonNil(p.PriorityGroups),
		AgeExceptionYears:        &p.AgeExceptionYears,
		AgeExceptionGroups:       nonNil(p.AgeExceptionGroups),
		DisabilityClassReduction: p.DisabilityClassReduction.toMap(),
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads a policy as ParsePolicy does.
func (p *Policy) UnmarshalJSON(data []byte) error {
	parsed, err := ParsePolicy(data)
	if err != nil {
		return err
	}
	*p = parsed
	return nil
}

func nonNil(s []string) *[]string {
	if s == nil {
		s = []string{}
	}
	return &s
}

func (pl PerLevel) toMap() map[string]int {
	m := make(map[string]int, geo.NumLevels)
	for _, lv := range geo.Levels() {
		m[lv.String()] = pl[lv]
	}
	return m
}

// groupRank returns the rank of a priority group (0 = highest) and whether
// the group is known; no group ranks after every group.
func (p *Policy) groupRank(name string) (int, bool) {
	if name == "" {
		return len(p.PriorityGroups), true
	}
	i := slices.Index(p.PriorityGroups, name)
	return i, i >= 0
}

// hasKey reports whether the priority order uses k.
func (p *Policy) hasKey(k Key) bool { return slices.Contains(p.PriorityOrder, k) }
