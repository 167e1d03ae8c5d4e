package geo

import "fmt"

// Level is an entry level of admission: one of the five level codes of the
// data contract.
type Level uint8

// The entry levels, in the order used for sorting outputs.
const (
	Preschool3 Level = iota
	Preschool4
	Preschool5
	Grade1
	Grade6
)

// NumLevels is the number of entry levels.
const NumLevels = 5

var levelNames = [NumLevels]string{"preschool3", "preschool4", "preschool5", "grade1", "grade6"}

// entryAges holds, per level, the age a child turns in the calendar year the
// school year starts: preschoolN is N, grade 1 is 6, grade 6 is 11.
var entryAges = [NumLevels]int{3, 4, 5, 6, 11}

// String returns the level code, e.g. "grade1".
func (l Level) String() string {
	if int(l) < NumLevels {
		return levelNames[l]
	}
	return fmt.Sprintf("level(%d)", uint8(l))
}

// EntryAge returns the age in years a child of this level reaches in the
// calendar year its school year starts (3, 4, 5, 6 or 11).
func (l Level) EntryAge() int { return entryAges[l] }

// Levels returns every level in output order.
func Levels() []Level {
	return []Level{Preschool3, Preschool4, Preschool5, Grade1, Grade6}
}

// ParseLevel returns the level with the given code; the error lists the codes
// that are accepted.
func ParseLevel(s string) (Level, error) {
	for i, n := range levelNames {
		if n == s {
			return Level(i), nil
		}
	}
	return 0, fmt.Errorf("geo: unknown level %q (want one of preschool3, preschool4, preschool5, grade1, grade6)", s)
}
