package allocator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

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

// policyJSON is the file format as written into manifests. Pointers tell
// an omitted key from a given one.
type policyJSON struct {
	ClassCaps                map[string]int `json:"class_caps,omitempty"`
	MaxDistanceM             map[string]int `json:"max_distance_m,omitempty"`
	PriorityOrder            *[]Key         `json:"priority_order,omitempty"`
	PriorityGroups           *[]string      `json:"priority_groups,omitempty"`
	AgeExceptionYears        *int           `json:"age_exception_years,omitempty"`
	AgeExceptionGroups       *[]string      `json:"age_exception_groups,omitempty"`
	DisabilityClassReduction map[string]int `json:"disability_class_reduction,omitempty"`
}

// PolicyError is a defect of a policy. Key names the policy key at fault,
// or is "" when the defect concerns the file as a whole (malformed JSON,
// an unknown key).
type PolicyError struct {
	Key string
	Msg string
}

// Error formats the defect as "allocator: policy: KEY: MSG".
func (e *PolicyError) Error() string {
	if e.Key == "" {
		return "allocator: policy: " + e.Msg
	}
	return "allocator: policy: " + e.Key + ": " + e.Msg
}

// policyKeys reads each key of a policy file into p; names match exactly.
var policyKeys = map[string]func(p *Policy, raw json.RawMessage) error{
	"class_caps":                 func(p *Policy, raw json.RawMessage) error { return mergeLevels(raw, &p.ClassCaps) },
	"max_distance_m":             func(p *Policy, raw json.RawMessage) error { return mergeLevels(raw, &p.MaxDistanceM) },
	"disability_class_reduction": func(p *Policy, raw json.RawMessage) error { return mergeLevels(raw, &p.DisabilityClassReduction) },
	"priority_order": func(p *Policy, raw json.RawMessage) error {
		return decodeValue(raw, &p.PriorityOrder, "an array of keys")
	},
	"priority_groups": func(p *Policy, raw json.RawMessage) error {
		return decodeValue(raw, &p.PriorityGroups, "an array of names")
	},
	"age_exception_years": func(p *Policy, raw json.RawMessage) error {
		return decodeValue(raw, &p.AgeExceptionYears, "an integer")
	},
	"age_exception_groups": func(p *Policy, raw json.RawMessage) error {
		return decodeValue(raw, &p.AgeExceptionGroups, "an array of names")
	},
}

// ParsePolicy reads a policy file. Omitted keys keep their defaults; a
// level map overrides only the levels it names. Key and level names match
// exactly (case included), each at most once; an unknown key, a null value,
// text that is not UTF-8, an unknown level and an invalid value are
// errors. The error is a *PolicyError naming the key, or, when several
// keys are at fault, one *PolicyError per key joined with errors.Join, in
// file order.
func ParsePolicy(data []byte) (Policy, error) {
	p := DefaultPolicy()
	if !validText(data) {
		return p, &PolicyError{Msg: "invalid UTF-8 (an invalid byte sequence or an unpaired \\u surrogate escape)"}
	}
	members, err := objectMembers(data, "key")
	if err != nil {
		return p, &PolicyError{Msg: err.Error()}
	}
	var errs []error
	for _, m := range members {
		if err := readKey(&p, m); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		// Validating a policy with keys left at their defaults could
		// report defects that are not in the file.
		return p, errors.Join(errs...)
	}
	return p, p.Validate()
}

func readKey(p *Policy, m member) error {
	read, known := policyKeys[m.name]
	if !known {
		return &PolicyError{Msg: unknownKey(m.name)}
	}
	if isNull(m.value) {
		return &PolicyError{Key: m.name, Msg: "null; omit the key to keep the default"}
	}
	if err := read(p, m.value); err != nil {
		return &PolicyError{Key: m.name, Msg: err.Error()}
	}
	return nil
}

func unknownKey(name string) string {
	keys := slices.Sorted(maps.Keys(policyKeys))
	for _, k := range keys {
		if strings.EqualFold(k, name) {
			return fmt.Sprintf("unknown key %q: key names are case-sensitive; did you mean %q?", name, k)
		}
	}
	return fmt.Sprintf("unknown key %q (want %s)", name, strings.Join(keys, ", "))
}

// member is one name and value of a JSON object, the value undecoded.
type member struct {
	name  string
	value json.RawMessage
}

// objectMembers splits a JSON object into its members, in order, and
// rejects a name given twice (calling it a noun) and data after the object.
func objectMembers(data []byte, noun string) ([]member, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty: want a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("want a JSON object, got %s", clip(data))
	}
	var ms []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("malformed JSON: %w", err)
		}
		name, _ := tok.(string) // a member name is always a string
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, fmt.Errorf("malformed JSON: %w", err)
		}
		if slices.ContainsFunc(ms, func(m member) bool { return m.name == name }) {
			return nil, fmt.Errorf("%s %q is given twice", noun, name)
		}
		ms = append(ms, member{name, value})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON object")
	}
	return ms, nil
}

// mergeLevels overrides the levels a JSON object names.
func mergeLevels(raw json.RawMessage, dst *PerLevel) error {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return fmt.Errorf("want an object of level -> integer, got %s", clip(raw))
	}
	members, err := objectMembers(raw, "level")
	if err != nil {
		return err
	}
	for _, m := range members {
		lv, err := geo.ParseLevel(m.name)
		if err != nil {
			return fmt.Errorf("unknown level %q (want preschool3, preschool4, preschool5, grade1 or grade6)", m.name)
		}
		if isNull(m.value) {
			return fmt.Errorf("%s is null; omit the level to keep its default", m.name)
		}
		if err := json.Unmarshal(m.value, &dst[lv]); err != nil {
			return fmt.Errorf("%s: want an integer, got %s", m.name, clip(m.value))
		}
	}
	return nil
}

// decodeValue decodes raw into dst, which it leaves unchanged on error.
func decodeValue[T any](raw json.RawMessage, dst *T, want string) error {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("want %s, got %s", want, clip(raw))
	}
	*dst = v
	return nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// clip shortens a JSON value for an error message.
func clip(raw []byte) string {
	s := strings.TrimSpace(string(raw))
	if len(s) > 40 {
		cut := 40
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return s[:cut] + "..."
	}
	return s
}

// validText reports whether data is UTF-8 with no unpaired surrogate
// escape: encoding/json would replace either with U+FFFD, silently changing
// a group name.
func validText(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' {
			continue
		}
		i++ // the escaped character
		r, ok := hexRune(data, i)
		if !ok {
			continue // not \uXXXX: the decoder judges it
		}
		switch {
		case utf16.IsSurrogate(r) && r < 0xdc00:
			low, okLow := hexRune(data, i+6)
			if !okLow || data[i+5] != '\\' || !utf16.IsSurrogate(low) || low < 0xdc00 {
				return false
			}
			i += 10
		case utf16.IsSurrogate(r):
			return false
		default:
			i += 4
		}
	}
	return true
}

// hexRune reads the rune of a "uXXXX" escape at data[i:].
func hexRune(data []byte, i int) (rune, bool) {
	if i+5 > len(data) || data[i] != 'u' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(data[i+1:i+5]), 16, 16)
	return rune(n), err == nil
}

// Validate reports every invalid key, each as a *PolicyError naming the
// key and its first invalid value, joined with errors.Join in key order;
// nil when the policy is valid.
func (p Policy) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &PolicyError{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	capsOK := true
	for _, lv := range geo.Levels() {
		if p.ClassCaps[lv] < 1 || p.ClassCaps[lv] > 200 {
			bad("class_caps", "%s is %d, want 1..200", lv, p.ClassCaps[lv])
			capsOK = false
			break
		}
	}
	for _, lv := range geo.Levels() {
		if p.MaxDistanceM[lv] < 1 || p.MaxDistanceM[lv] > 100000 {
			bad("max_distance_m", "%s is %d, want 1..100000 metres", lv, p.MaxDistanceM[lv])
			break
		}
	}
	for _, lv := range geo.Levels() {
		if r := p.DisabilityClassReduction[lv]; capsOK && (r < 0 || r >= p.ClassCaps[lv]) {
			bad("disability_class_reduction", "%s is %d, want 0..%d", lv, r, p.ClassCaps[lv]-1)
			break
		}
	}
	if len(p.PriorityOrder) == 0 {
		bad("priority_order", "empty: want at least one key (priority, in_catchment, feeder, residence, distance or lottery)")
	} else if err := checkOrder(p.PriorityOrder); err != nil {
		bad("priority_order", "%v", err)
	}
	if err := checkNames(p.PriorityGroups); err != nil {
		bad("priority_groups", "%v", err)
	} else if len(p.PriorityGroups) > maxGroups {
		bad("priority_groups", "%d groups, at most %d", len(p.PriorityGroups), maxGroups)
	}
	if p.AgeExceptionYears < 0 || p.AgeExceptionYears > 10 {
		bad("age_exception_years", "%d, want 0..10", p.AgeExceptionYears)
	}
	if err := checkNames(p.AgeExceptionGroups); err != nil {
		bad("age_exception_groups", "%v", err)
	} else if i := slices.IndexFunc(p.AgeExceptionGroups, func(g string) bool { return !slices.Contains(p.PriorityGroups, g) }); i >= 0 {
		bad("age_exception_groups", "%q is not one of priority_groups", p.AgeExceptionGroups[i])
	}
	return errors.Join(errs...)
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
