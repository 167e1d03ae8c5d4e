package server

import (
	"encoding/json"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/catchment/catchment/geo"
	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/round"
	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
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
	h := newHarness(t, Config{LookupRate: -1}) // many lookups by an auditor
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
		admitted[s.GetLevel()] += s.GetAdmitted()
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

func TestWardAndAuditorLookupsAreRateLimitedPerToken(t *testing.T) {
	h := newHarness(t, Config{LookupRate: 1}) // bursts of 4
	h.publishedRound()
	var now atomic.Int64
	now.Store(time.Date(2026, 8, 1, 8, 0, 0, 0, time.UTC).UnixNano())
	h.srv.lookups.now = func() time.Time { return time.Unix(0, now.Load()) }
	lookUp := func(token string) error {
		_, err := h.places.LookupAddress(as(token), &pb.LookupAddressRequest{Longitude: homeInA.Lon(), Latitude: homeInA.Lat(),
			Level: pb.Level_LEVEL_GRADE1})
		return err
	}
	cases := []struct {
		name  string
		token string
		want  []codes.Code
	}{
		{"the office is never limited", tokOffice, slices.Repeat([]codes.Code{codes.OK}, 12)},
		{"an auditor gets a burst of four", tokAuditor, []codes.Code{codes.OK, codes.OK, codes.OK, codes.OK, codes.ResourceExhausted}},
		{"a ward official has a bucket of their own", tokWard(wardA), []codes.Code{codes.OK, codes.OK, codes.OK, codes.OK, codes.ResourceExhausted}},
		{"refused lookups count too", tokWard(wardB), []codes.Code{denied, denied, denied, denied, codes.ResourceExhausted}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i, want := range c.want {
				err := lookUp(c.token)
				require.Equal(t, want.String(), status.Code(err).String(), "lookup %d: %v", i+1, err)
			}
		})
	}
	t.Run("a second later the auditor may look up once more", func(t *testing.T) {
		now.Add(int64(time.Second))
		requireCode(t, codes.OK, lookUp(tokAuditor))
		requireCode(t, codes.ResourceExhausted, lookUp(tokAuditor))
	})
	t.Run("no limit at all when the rate is negative", func(t *testing.T) {
		require.Nil(t, New(h.st, h.srv.tokens, Config{LookupRate: -1}).lookups)
	})
}

// withoutWard returns the wards file without the ward with the code.
func withoutWard(t *testing.T, wards []byte, code string) []byte {
	t.Helper()
	var fc map[string]any
	require.NoError(t, json.Unmarshal(wards, &fc))
	features := fc["features"].([]any)
	fc["features"] = slices.DeleteFunc(slices.Clone(features), func(f any) bool {
		return f.(map[string]any)["properties"].(map[string]any)["code"] == code
	})
	require.Len(t, fc["features"], len(features)-1)
	out, err := json.Marshal(fc)
	require.NoError(t, err)
	return out
}

func TestAWardWithoutAPolygonLooksUpByTheWardOfTheSchool(t *testing.T) {
	h := newHarness(t, Config{LookupRate: -1})
	files := maps.Clone(cityFiles)
	files[pb.FileRole_FILE_ROLE_WARDS] = withoutWard(t, cityFiles[pb.FileRole_FILE_ROLE_WARDS], wardA)
	resp, err := h.uploadFiles(as(tokOffice), files, 1<<20, false)
	require.NoError(t, err)
	id := h.run(resp.GetDataset().GetId(), "no polygon").GetId()

	var allowed, refused int
	for _, pt := range append(samplePoints(localRound(t, "published", false), 150), orb.Point{2.35, 48.85}) {
		req := &pb.LookupAddressRequest{RoundId: id, Longitude: pt.Lon(), Latitude: pt.Lat(), Level: pb.Level_LEVEL_GRADE1}
		office, err := h.places.LookupAddress(as(tokOffice), req)
		require.NoError(t, err)
		got, err := h.places.LookupAddress(as(tokWard(wardA)), req)
		if office.GetFound() && office.GetSchoolWardCode() == wardA {
			require.NoError(t, err, "an address whose school is in the ward")
			require.Equal(t, office.GetSchoolId(), got.GetSchoolId())
			allowed++
		} else {
			requireCode(t, denied, err)
			refused++
		}
	}
	require.Positive(t, allowed)
	require.Positive(t, refused)
	t.Logf("%d addresses answered, %d refused", allowed, refused)

	_, err = h.places.LookupAddress(as(tokWard(wardB)), &pb.LookupAddressRequest{RoundId: id, Longitude: homeInA.Lon(),
		Latitude: homeInA.Lat(), Level: pb.Level_LEVEL_GRADE1})
	requireCode(t, denied, err) // ward B still has its polygon
}
