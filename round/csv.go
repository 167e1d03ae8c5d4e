package round

import (
	"bytes"
	"encoding/csv"
	"strconv"

	"github.com/catchment/catchment/allocator"
)

// Output file names of a round directory.
const (
	FileAssignments = "assignments.csv"
	FileSchools     = "schools.csv"
	FileSummary     = "summary.json"
	FileManifest    = "manifest.json"
)

var assignmentsHeader = []string{"applicant_id", "level", "status", "school_id", "distance_m", "choice_rank", "priority", "residence", "lottery", "reason"}

var schoolsHeader = []string{"school_id", "level", "seats", "assigned", "classes", "cutoff_priority", "cutoff_residence", "cutoff_distance_m", "cutoff_lottery"}

// renderAssignments writes one row per applicant, in applicant id order.
func renderAssignments(r *allocator.Result) []byte {
	var buf bytes.Buffer
	buf.Grow(len(r.Applicants) * 96)
	w := csv.NewWriter(&buf)
	_ = w.Write(assignmentsHeader)
	row := make([]string, len(assignmentsHeader))
	for i := range r.Applicants {
		a, p := &r.Applicants[i], &r.Placements[i]
		row[0], row[1], row[2] = a.ID, a.Level.String(), p.Status.String()
		row[3], row[4], row[5] = "", "", ""
		if p.Status == allocator.Assigned {
			row[3] = r.Schools[p.School].ID
			row[4] = strconv.Itoa(int(p.DistM))
			row[5] = strconv.Itoa(int(p.ChoiceRank))
		}
		row[6], row[7], row[8], row[9] = a.Priority, a.Residence.String(), allocator.LotteryHex(p.Lottery), p.Reason
		_ = w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}

// renderSchools writes one row per (school, level) offer, in (school id,
// level) order, with the priority key of the last admitted applicant.
func renderSchools(r *allocator.Result) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(schoolsHeader)
	for i := range r.Offers {
		o := &r.Offers[i]
		row := []string{r.Schools[o.School].ID, o.Level.String(), strconv.Itoa(o.Seats), strconv.Itoa(o.Assigned),
			strconv.Itoa(o.Classes(&r.Policy)), "", "", "", ""}
		if o.Cutoff >= 0 {
			c := &r.Applicants[o.Cutoff]
			row[5], row[6] = c.Priority, c.Residence.String()
			row[7], row[8] = strconv.Itoa(int(o.CutoffDistM)), allocator.LotteryHex(r.Placements[o.Cutoff].Lottery)
		}
		_ = w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}
