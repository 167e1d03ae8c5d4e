package seeds

import (
	"errors"
	"fmt"
)

// ErrInvalidConfig is wrapped by every error Generate returns for a Config
// it cannot honour.
var ErrInvalidConfig = errors.New("seeds: invalid config")

// Limits of a Config; Generate rejects values outside them.
const (
	MaxApplicants      = 10_000_000 // applicants over all levels
	MaxSchoolsPerLevel = 50_000     // schools per level group
	MaxWards           = 5_000      // wards and communes
	MinYear, MaxYear   = 1900, 9999 // school-year start, calendar year
)

// Config describes the demo city to generate. DefaultConfig gives a city of
// Hanoi's size; any change gives another, equally deterministic, city.
type Config struct {
	// Seed drives every random choice; default 2026.
	Seed int64
	// Year is the calendar year the school year starts, default 2026.
	// Birth years derive from it: preschoolN born Year-N, grade1 Year-6,
	// grade6 Year-11.
	Year int
	// Applicants is the number of applicants over all five levels, default
	// 400,000 (split like Hanoi's 95k preschool, 155k grade 1, 161k grade 6).
	Applicants int
	// SchoolsPerLevel is how many schools offer each level group
	// (kindergarten, grade 1, grade 6), default 1,000.
	SchoolsPerLevel int
	// Wards is the number of wards and communes tiling the city, default 126.
	Wards int
}

// DefaultConfig returns the configuration of the published demo city:
// seed 2026, year 2026, 400,000 applicants, 1,000 schools per level group
// and 126 wards.
func DefaultConfig() Config {
	return Config{Seed: 2026, Year: 2026, Applicants: 400_000, SchoolsPerLevel: 1_000, Wards: 126}
}

// Progress reports how far a long stage has come: done of total units
// (features, applicants or files). Generate and WriteDir call it now and then,
// never once per feature. A nil Progress is allowed.
type Progress func(stage string, done, total int)

// report calls p if it is not nil.
func (p Progress) report(stage string, done, total int) {
	if p != nil {
		p(stage, done, total)
	}
}

// validate returns an error wrapping ErrInvalidConfig that names the first
// field out of range, or nil.
func (c Config) validate() error {
	check := func(name string, v, lo, hi int) error {
		if v < lo || v > hi {
			return fmt.Errorf("%w: %s must be in [%d, %d], got %d", ErrInvalidConfig, name, lo, hi, v)
		}
		return nil
	}
	return errors.Join(
		check("Year", c.Year, MinYear, MaxYear),
		check("Applicants", c.Applicants, 1, MaxApplicants),
		check("SchoolsPerLevel", c.SchoolsPerLevel, 1, MaxSchoolsPerLevel),
		check("Wards", c.Wards, 1, MaxWards),
	)
}
