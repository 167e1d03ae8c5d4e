package server

import (
	"encoding/json"
	"math"
	"slices"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/round"
	"github.com/catchment/catchment/store"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// pbLevels maps geo levels to proto levels, in level order.
var pbLevels = [geo.NumLevels]pb.Level{pb.Level_LEVEL_PRESCHOOL3, pb.Level_LEVEL_PRESCHOOL4, pb.Level_LEVEL_PRESCHOOL5,
	pb.Level_LEVEL_GRADE1, pb.Level_LEVEL_GRADE6}

func toPBLevel(l geo.Level) pb.Level {
	if int(l) < geo.NumLevels {
		return pbLevels[l]
	}
	return pb.Level_LEVEL_UNSPECIFIED
}

// levelCode returns the proto level of a level code; unknown codes are
// unspecified.
func levelCode(code string) pb.Level {
	l, err := geo.ParseLevel(code)
	if err != nil {
		return pb.Level_LEVEL_UNSPECIFIED
	}
	return toPBLevel(l)
}

// fromPBLevel returns the level, or INVALID_ARGUMENT on field for an
// unspecified or unknown one.
func fromPBLevel(field string, l pb.Level) (geo.Level, error) {
	if i := slices.Index(pbLevels[:], l); i >= 0 {
		return geo.Level(i), nil
	}
	return 0, invalid(field, "want one of LEVEL_PRESCHOOL3, LEVEL_PRESCHOOL4, LEVEL_PRESCHOOL5, LEVEL_GRADE1, LEVEL_GRADE6; got %s", l)
}

func toPBMode(m string) pb.Mode {
	switch allocator.Mode(m) {
	case allocator.Stable:
		return pb.Mode_MODE_STABLE
	case allocator.Optimal:
		return pb.Mode_MODE_OPTIMAL
	}
	return pb.Mode_MODE_UNSPECIFIED
}

// roleOf maps a proto file role to a dataset role.
func roleOf(r pb.FileRole) (fileRole, bool) {
	i := int(r) - 1
	if i < 0 || i >= len(fileRoles) {
		return fileRole{}, false
	}
	return fileRoles[i], true
}

func toPBRole(name string) pb.FileRole {
	for i, r := range fileRoles {
		if r.name == name {
			return pb.FileRole(i + 1)
		}
	}
	return pb.FileRole_FILE_ROLE_UNSPECIFIED
}

func toPBDataset(d *store.Dataset) *pb.Dataset {
	out := &pb.Dataset{Id: d.ID, Label: d.Label, CreatedBy: d.CreatedBy}
	if !d.Created.IsZero() {
		out.CreateTime = timestamppb.New(d.Created)
	}
	for _, f := range d.Files {
		out.Files = append(out.Files, &pb.DatasetFile{Role: toPBRole(f.Role), Name: f.Name, Sha256: f.SHA256, SizeBytes: f.Size})
	}
	var st datasetStats
	if json.Unmarshal(d.Stats, &st) == nil {
		out.Schools, out.Wards, out.Catchments = int32(st.Schools), int32(st.Wards), int32(st.Catchments)
		for _, l := range geo.Levels() {
			if n := st.Applicants[l.String()]; n > 0 {
				out.Applicants = append(out.Applicants, &pb.LevelCount{Level: toPBLevel(l), Count: int32(n)})
			}
		}
	}
	return out
}

func toPBRound(r *store.Round) *pb.Round {
	out := &pb.Round{Id: r.ID, DatasetId: r.DatasetID, Year: int32(r.Year), Seed: r.Seed, Mode: toPBMode(r.Mode),
		CreateTime: timestamppb.New(r.Created), CreatedBy: r.CreatedBy, Engine: r.Engine, ManifestSha256: r.ManifestSHA256()}
	for _, l := range r.Levels {
		out.Levels = append(out.Levels, levelCode(l))
	}
	for _, l := range r.Published {
		out.PublishedLevels = append(out.PublishedLevels, levelCode(l))
	}
	for _, f := range r.Files {
		out.Files = append(out.Files, &pb.OutputFile{Name: f.Name, Sha256: f.SHA256, SizeBytes: f.Size})
	}
	return out
}

// toPBSummary converts summary.json; ward, when not empty, keeps only that
// ward's rows.
func toPBSummary(s *round.Summary, ward string) *pb.Summary {
	out := &pb.Summary{Totals: toPBLevelSummary(&s.Totals), SelectiveSchoolIds: s.Selective, WardSource: s.WardSource}
	for i := range s.Levels {
		out.Levels = append(out.Levels, toPBLevelSummary(&s.Levels[i]))
	}
	for _, w := range s.Wards {
		if ward == "" || w.Code == ward {
			out.Wards = append(out.Wards, toPBWardSummary(&w))
		}
	}
	for _, c := range s.PriceOfStability {
		out.PriceOfStability = append(out.PriceOfStability, &pb.StabilityPrice{Level: levelCode(c.Level),
			StableAssigned: int32(c.StableAssigned), OptimalAssigned: int32(c.OptimalAssigned),
			StableTotalDistanceM: c.StableDistanceM, OptimalTotalDistanceM: c.OptimalDistanceM,
			StableMinusOptimalDistanceM: c.ExtraDistanceM, ChildrenChangingSchool: int32(c.ChangedSchool),
			OptimalJustifiedEnvyPairs: c.OptimalEnvyPairs, OptimalChildrenWithJustifiedEnvy: int32(c.OptimalEnvyChildren)})
	}
	for _, o := range s.Optimality {
		out.Optimality = append(out.Optimality, &pb.OptimalityCertificate{Level: levelCode(o.Level), Verified: o.Verified,
			PairsChecked: o.PairsChecked, PricingRounds: int32(o.Rounds)})
	}
	return out
}

func toPBLevelSummary(l *round.LevelSummary) *pb.LevelSummary {
	return &pb.LevelSummary{Level: levelCode(l.Level), MaxDistanceM: int32(l.MaxDistanceM), Applicants: int32(l.Applicants),
		Eligible: int32(l.Eligible), Assigned: int32(l.Assigned), Unassigned: int32(l.Unassigned),
		UnassignedNoSchoolWithinCap: int32(l.NoSchoolWithinCap), Ineligible: int32(l.Ineligible), PlacedShare: l.PlacedShare,
		Distance: &pb.DistanceStats{MeanM: l.Distance.Mean, MedianM: int32(l.Distance.Median), P95M: int32(l.Distance.P95),
			MaxM: int32(l.Distance.Max), TotalM: l.Distance.Total},
		Schools: int32(l.Schools), Seats: int32(l.Seats), PlacesUsed: int32(l.PlacesUsed), FillRate: l.FillRate,
		FullSchools: int32(l.FullSchools), ChildrenWithDisabilityAssigned: int32(l.DisabilityAssigned),
		FirstChoice: int32(l.ChoiceRanks.First), SecondChoice: int32(l.ChoiceRanks.Second), ThirdChoice: int32(l.ChoiceRanks.Third),
		FourthOrLowerChoice: int32(l.ChoiceRanks.Lower)}
}

func toPBWardSummary(w *round.WardSummary) *pb.WardSummary {
	return &pb.WardSummary{Code: w.Code, Name: w.Name, Level: levelCode(w.Level), Applicants: int32(w.Applicants),
		Assigned: int32(w.Assigned), Unassigned: int32(w.Unassigned), Ineligible: int32(w.Ineligible),
		MeanDistanceM: w.MeanDistance, Schools: int32(w.Schools), Seats: int32(w.Seats), Admitted: int32(w.Admitted), FillRate: w.FillRate}
}

var pbStatus = [...]pb.PlacementStatus{allocator.Assigned: pb.PlacementStatus_PLACEMENT_STATUS_ASSIGNED,
	allocator.Unassigned: pb.PlacementStatus_PLACEMENT_STATUS_UNASSIGNED, allocator.Ineligible: pb.PlacementStatus_PLACEMENT_STATUS_INELIGIBLE}

// toPBPlacement renders applicant i of a result as its assignments.csv row.
func toPBPlacement(r *allocator.Result, i int) *pb.Placement {
	a, p := &r.Applicants[i], &r.Placements[i]
	out := &pb.Placement{ApplicantId: a.ID, Level: toPBLevel(a.Level), Status: pbStatus[p.Status], Priority: a.Priority,
		Residence: a.Residence.String(), Lottery: allocator.LotteryHex(p.Lottery), Reason: p.Reason}
	if p.Status == allocator.Assigned {
		out.SchoolId, out.DistanceM, out.ChoiceRank = r.Schools[p.School].ID, p.DistM, p.ChoiceRank
	}
	return out
}

func toPBExplanation(e *allocator.Explanation, placement *pb.Placement) *pb.Explanation {
	out := &pb.Explanation{Placement: placement, Method: e.Method, Note: e.Note, Text: e.Text()}
	for _, b := range e.Above {
		out.Above = append(out.Above, &pb.SchoolBeat{Rank: int32(b.Rank), SchoolId: b.School, DistanceM: int32(b.DistM),
			Seats: int32(b.Seats), Why: b.Why, CutoffPriority: b.CutoffGroup, CutoffDistanceM: int32(b.CutoffDistM)})
	}
	for _, d := range e.Dropped {
		out.Dropped = append(out.Dropped, &pb.SkippedPreference{SchoolId: d.School, Why: d.Why})
	}
	return out
}

func toPBApproval(a *store.Approval) *pb.Approval {
	return &pb.Approval{RoundId: a.RoundID, WardCode: a.Ward, Level: levelCode(a.Level), ApprovedBy: a.By, Role: a.Role,
		Note: a.Note, ApproveTime: timestamppb.New(a.At), Digest: a.Digest}
}

// validPoint reports whether lon/lat are finite WGS84 degrees.
func validPoint(lon, lat float64) bool {
	return !math.IsNaN(lon) && !math.IsNaN(lat) && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
}
