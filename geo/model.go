package geo

import "github.com/paulmach/orb"

// Residence is an applicant's registered residence status.
type Residence uint8

// Residence statuses; permanent ranks before temporary where the policy
// orders by residence.
const (
	Permanent Residence = iota
	Temporary
)

// String returns "permanent" or "temporary".
func (r Residence) String() string {
	if r == Temporary {
		return "temporary"
	}
	return "permanent"
}

// School is one school of schools.geojson. Seats and Classes hold, per level,
// the intake seats or the number of new classes given in the file; a level
// absent from both is not offered. Which of the two applies is resolved with
// the policy's class caps by the allocator.
type School struct {
	ID        string
	Name      string
	Ward      string
	Loc       orb.Point // the point, or the interior point of a polygon
	Seats     [NumLevels]int
	Classes   [NumLevels]int
	HasSeats  [NumLevels]bool // Seats[l] was given
	HasClass  [NumLevels]bool // Classes[l] was given
	Selective bool            // admits outside routing; excluded from residence allocation
	Inclusive bool            // accepts children with disabilities with support
	Feeder    []string        // grade 6: primary school ids whose leavers have feeder priority
	Feature   int             // index in the source file
}

// Offers reports whether the school lists the level in seats or classes.
func (s *School) Offers(l Level) bool { return s.HasSeats[l] || s.HasClass[l] }

// Applicant is one child of applicants.geojson, at a geocoded home.
type Applicant struct {
	ID            string // pseudonymous
	Loc           orb.Point
	Level         Level
	BirthYear     int
	Residence     Residence
	Priority      string   // policy group name, "" for none
	Disability    bool     // child with a disability
	Preferences   []string // ordered school ids
	PrimarySchool string   // grade 6: the primary school the child leaves
	Feature       int      // index in the source file
}

// Ward is one ward or commune of wards.geojson.
type Ward struct {
	Code    string
	Name    string
	Shape   orb.MultiPolygon
	Feature int
}

// Catchment is one published route of catchments.geojson: the area whose
// residents have in-catchment priority at a school for a level.
type Catchment struct {
	SchoolID string
	Level    Level
	Shape    orb.MultiPolygon
	Feature  int
}
