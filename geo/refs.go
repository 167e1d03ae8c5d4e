package geo

import "fmt"

// CheckReferences reports, located in the referring file, every applicant
// preference that names no school and every catchment whose school_id names
// no school. Feeder and primary_school ids may name schools of other rounds
// and are not checked. A catchment whose school_id did not decode ("") is
// skipped: its own file reports it.
func CheckReferences(appFile string, apps []Applicant, schools []School, catFile string, cats []Catchment) Problems {
	known := make(map[string]bool, len(schools))
	for i := range schools {
		known[schools[i].ID] = true
	}
	var ps Problems
	for i := range apps {
		for _, id := range apps[i].Preferences {
			if !known[id] {
				ps = append(ps, Problem{File: appFile, Feature: apps[i].Feature, ID: apps[i].ID, Property: "preferences",
					Msg: fmt.Sprintf("no school has id %q", id)})
			}
		}
	}
	for i := range cats {
		if cats[i].SchoolID != "" && !known[cats[i].SchoolID] {
			ps = append(ps, Problem{File: catFile, Feature: cats[i].Feature, ID: cats[i].SchoolID, Property: "school_id",
				Msg: fmt.Sprintf("no school has id %q", cats[i].SchoolID)})
		}
	}
	return ps
}
