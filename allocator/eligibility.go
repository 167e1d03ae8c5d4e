package allocator

import (
	"fmt"
	"slices"

	"github.com/catchment/catchment/geo"
)

// RequiredBirthYear returns the birth year a level admits in the school
// year starting in year: year minus the level's entry age.
func RequiredBirthYear(l geo.Level, year int) int { return year - l.EntryAge() }

// ageCheck returns "" when the applicant's birth year fits its level in the
// school year, or else why not. Children with disabilities, and children of
// the policy's age-exception groups, may be up to AgeExceptionYears older.
func (p *Policy) ageCheck(a *geo.Applicant, year int) string {
	want := RequiredBirthYear(a.Level, year)
	switch {
	case a.BirthYear == want:
		return ""
	case a.BirthYear > want:
		return fmt.Sprintf("born %d: too young; %s in %d admits children born %d", a.BirthYear, a.Level, year, want)
	}
	older := want - a.BirthYear
	excepted := a.Disability || (a.Priority != "" && slices.Contains(p.AgeExceptionGroups, a.Priority))
	if excepted && older <= p.AgeExceptionYears {
		return ""
	}
	if excepted {
		return fmt.Sprintf("born %d: %d years older than %s in %d admits (born %d); the age exception allows up to %d",
			a.BirthYear, older, a.Level, year, want, p.AgeExceptionYears)
	}
	return fmt.Sprintf("born %d: %s in %d admits children born %d (older children only with a disability or an age-exception group)",
		a.BirthYear, a.Level, year, want)
}

// CheckApplicants reports, located in file, every applicant whose priority
// group is not one of the policy's groups.
func (p *Policy) CheckApplicants(file string, apps []geo.Applicant) geo.Problems {
	var ps geo.Problems
	for i := range apps {
		a := &apps[i]
		if _, ok := p.groupRank(a.Priority); !ok {
			ps = append(ps, geo.Problem{File: file, Feature: a.Feature, ID: a.ID, Property: "priority",
				Msg: fmt.Sprintf("unknown group %q (the policy's priority_groups are %q)", a.Priority, p.PriorityGroups)})
		}
	}
	return ps
}
