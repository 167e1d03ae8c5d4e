package server

import (
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/catchment/catchment/geo"
	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/round"
	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
)

// samplePoints returns n points around the city's homes: each a home moved
// by up to about 500 m, from a fixed seed.
func samplePoints(rd *round.Round, n int) []orb.Point {
	rng := rand.New(rand.NewPCG(11, 12))
	apps := rd.Result.Applicants
	out := make([]orb.Point, n)
	for i := range out {
		a := apps[rng.IntN(len(apps))].Loc
		out[i] = orb.Point{a.Lon() + (rng.Float64()-0.5)*0.01, a.Lat() + (rng.Float64()-0.5)*0.01}
	}
	return out
}

func TestLookupsAnswerAsTheRoundsLocator(t *testing.T) {
	h := newHarness(t, Config{})
	_, id := h.publishedRound()
	local := localRound(t, "published", false)
	for _, l := range []geo.Level{geo.Preschool4, geo.Grade1, geo.Grade6} {
		loc := round.NewLocator(local.Result, l)
		for _, pt := range samplePoints(local, 100) {
			got, err := h.places.LookupAddress(as(tokAuditor), &pb.LookupAddressRequest{Longitude: pt.Lon(), Latitude: pt.Lat(), Level: toPBLevel(l)})
			require.NoError(t, err)
			want, found := loc.Locate(pt)
			require.Equal(t, found, got.GetFound())
			require.Equal(t, id, got.GetRoundId())
			require.Equal(t, want.SchoolID, got.GetSchoolId())
			require.EqualValues(t, want.DistM, got.GetDistanceM())
		}
	}
	far, err := h.places.LookupAddress(as(tokOffice), &pb.LookupAddressRequest{Longitude: 2.35, Latitude: 48.85, Level: pb.Level_LEVEL_GRADE1})
	require.NoError(t, err)
	require.False(t, far.GetFound(), "an address far from every home belongs to no school")
	require.Contains(t, far.GetRule(), "nearest placed home within 4000 m")
}

func TestBadLookupsAreRefused(t *testing.T) {
	h := newHarness(t, Config{})
	_, err := h.places.LookupAddress(as(tokOffice), &pb.LookupAddressRequest{Longitude: 105.8, Latitude: 21, Level: pb.Level_LEVEL_GRADE1})
	requireCode(t, codes.FailedPrecondition, err)

	_, id := h.publishedRound()
	cases := []struct {
		name string
		req  *pb.LookupAddressRequest
		want codes.Code
	}{
		{"no level", &pb.LookupAddressRequest{Longitude: 105.8, Latitude: 21}, codes.InvalidArgument},
		{"a latitude beyond the pole", &pb.LookupAddressRequest{Longitude: 105.8, Latitude: 91, Level: pb.Level_LEVEL_GRADE1}, codes.InvalidArgument},
		{"a round that does not exist", &pb.LookupAddressRequest{Longitude: 105.8, Latitude: 21, Level: pb.Level_LEVEL_GRADE1, RoundId: "r7"}, codes.NotFound},
		{"a level the round did not allocate", &pb.LookupAddressRequest{Longitude: 105.8, Latitude: 21, Level: pb.Level_LEVEL_GRADE1, RoundId: "r2"}, codes.InvalidArgument},
		{"the published round by id", &pb.LookupAddressRequest{Longitude: 105.8, Latitude: 21, Level: pb.Level_LEVEL_GRADE1, RoundId: id}, codes.OK},
	}
	_, _, err = h.runRound(as(tokOffice), &pb.RunRoundRequest{DatasetId: "d1", Year: 2026, Seed: "g6", Levels: []pb.Level{pb.Level_LEVEL_GRADE6}})
	require.NoError(t, err)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := h.places.LookupAddress(as(tokOffice), c.req)
			requireCode(t, c.want, err)
		})
	}
}

func TestAWardOfficialLooksUpAddressesInTheirWardOnly(t *testing.T) {
	h := newHarness(t, Config{})
	h.publishedRound()
	req := &pb.LookupAddressRequest{Longitude: homeInA.Lon(), Latitude: homeInA.Lat(), Level: pb.Level_LEVEL_GRADE1}
	got, err := h.places.LookupAddress(as(tokWard(wardA)), req)
	require.NoError(t, err)
	require.True(t, got.GetFound())
	_, err = h.places.LookupAddress(as(tokWard(wardB)), req)
	requireCode(t, codes.PermissionDenied, err)
}

var applicantID = regexp.MustCompile(`"A[0-9a-f]{12}"`)

func TestAWardPreviewHoldsAggregatesOnly(t *testing.T) {
	h := newHarness(t, Config{})
	_, id := h.publishedRound()
	_, err := h.rounds.ApproveWard(as(tokWard(wardA)), &pb.ApproveWardRequest{RoundId: id, WardCode: wardA, Level: pb.Level_LEVEL_GRADE1})
	require.NoError(t, err)
	got, err := h.places.PreviewWard(as(tokWard(wardA)), &pb.PreviewWardRequest{RoundId: id, WardCode: wardA})
	require.NoError(t, err)
	require.Equal(t, wardA, got.GetWardCode())
	require.NotEmpty(t, got.GetWardName())
	require.Len(t, got.GetApprovals(), 1)
	require.NotEmpty(t, got.GetSchools())

	round, err := h.rounds.GetRound(as(tokOffice), &pb.GetRoundRequest{RoundId: id})
	require.NoError(t, err)
	admitted := map[pb.Level]int32{}
	for _, s := range got.GetSchools() {
		admitted[s.GetLevel()] += s.GetPlacesUsed()
		require.LessOrEqual(t, s.GetPlacesUsed(), s.GetSeats())
	}
	homes := 0
	for _, w := range round.GetRound().GetSummary().GetWards() {
		if w.GetCode() == wardA {
			require.Equal(t, w.GetAdmitted(), admitted[w.GetLevel()], "%s: the schools add up to the summary", w.GetLevel())
			homes++
		}
	}
	require.Len(t, got.GetHomes(), homes)

	text, err := protojson.Marshal(got)
	require.NoError(t, err)
	require.NotRegexp(t, applicantID, string(text), "no applicant ids")
	require.NotContains(t, string(text), "lottery")

	grade1, err := h.places.PreviewWard(as(tokOffice), &pb.PreviewWardRequest{RoundId: id, WardCode: wardA, Level: pb.Level_LEVEL_GRADE1})
	require.NoError(t, err)
	for _, s := range grade1.GetSchools() {
		require.Equal(t, pb.Level_LEVEL_GRADE1, s.GetLevel())
	}
	_, err = h.places.PreviewWard(as(tokOffice), &pb.PreviewWardRequest{RoundId: id, WardCode: "nowhere"})
	requireCode(t, codes.NotFound, err)
}
