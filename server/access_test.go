package server

import (
	"context"
	"fmt"
	"testing"

	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
)

// callers are the five kinds of caller every RPC is tried with.
var callers = []struct {
	name  string
	token func() string
}{
	{"office", func() string { return tokOffice }},
	{"ward official of the ward", func() string { return tokWard(wardA) }},
	{"ward official of another ward", func() string { return tokWard(wardB) }},
	{"auditor", func() string { return tokAuditor }},
	{"caller without a token", func() string { return "" }},
}

// expect gives the code each caller gets, in the order of callers.
type expect [5]codes.Code

const (
	ok     = codes.OK
	denied = codes.PermissionDenied
	unauth = codes.Unauthenticated
)

var (
	officeOnlyCodes = expect{ok, denied, denied, denied, unauth}
	readerCodes     = expect{ok, denied, denied, ok, unauth}
	everyoneCodes   = expect{ok, ok, ok, ok, unauth}
	ownWardCodes    = expect{ok, ok, denied, ok, unauth}
	approverCodes   = expect{ok, ok, denied, denied, unauth}
)

func TestEveryRPCUnderEveryRole(t *testing.T) {
	h := newHarness(t, Config{})
	datasetID, roundID := h.publishedRound()
	cases := []struct {
		name string
		want expect
		call func(ctx context.Context) error
	}{
		{"UploadDataset stores a dataset", officeOnlyCodes, func(ctx context.Context) error {
			_, err := h.uploadFiles(ctx, cityFiles, 1<<20, false)
			return err
		}},
		{"GetDataset describes a dataset", readerCodes, func(ctx context.Context) error {
			_, err := h.datasets.GetDataset(ctx, &pb.GetDatasetRequest{DatasetId: datasetID})
			return err
		}},
		{"ListDatasets lists datasets", readerCodes, func(ctx context.Context) error {
			_, err := h.datasets.ListDatasets(ctx, &pb.ListDatasetsRequest{})
			return err
		}},
		{"DownloadDatasetFile streams the applicants", readerCodes, func(ctx context.Context) error {
			stream, err := h.datasets.DownloadDatasetFile(ctx, &pb.DownloadDatasetFileRequest{DatasetId: datasetID, Role: pb.FileRole_FILE_ROLE_APPLICANTS})
			if err != nil {
				return err
			}
			_, err = drain(stream.Recv)
			return err
		}},
		{"RunRound runs a round", officeOnlyCodes, func(ctx context.Context) error {
			_, _, err := h.runRound(ctx, &pb.RunRoundRequest{DatasetId: datasetID, Year: 2026, Seed: "matrix", Levels: []pb.Level{pb.Level_LEVEL_GRADE1}})
			return err
		}},
		{"GetRound returns the summary", everyoneCodes, func(ctx context.Context) error {
			_, err := h.rounds.GetRound(ctx, &pb.GetRoundRequest{RoundId: roundID})
			return err
		}},
		{"ListRounds lists rounds", everyoneCodes, func(ctx context.Context) error {
			_, err := h.rounds.ListRounds(ctx, &pb.ListRoundsRequest{})
			return err
		}},
		{"GetPlacement returns a child's row", readerCodes, func(ctx context.Context) error {
			_, err := h.rounds.GetPlacement(ctx, &pb.GetPlacementRequest{RoundId: roundID, ApplicantId: someChild})
			return err
		}},
		{"ExplainPlacement explains a child's placement", readerCodes, func(ctx context.Context) error {
			_, err := h.rounds.ExplainPlacement(ctx, &pb.ExplainPlacementRequest{RoundId: roundID, ApplicantId: someChild})
			return err
		}},
		{"ReplayRound replays a round", readerCodes, func(ctx context.Context) error {
			_, err := h.rounds.ReplayRound(ctx, &pb.ReplayRoundRequest{RoundId: roundID})
			return err
		}},
		{"ApproveWard approves the ward", approverCodes, func(ctx context.Context) error {
			_, err := h.rounds.ApproveWard(ctx, &pb.ApproveWardRequest{RoundId: roundID, WardCode: wardA, Level: pb.Level_LEVEL_GRADE1})
			return err
		}},
		{"ListApprovals lists approvals", everyoneCodes, func(ctx context.Context) error {
			_, err := h.rounds.ListApprovals(ctx, &pb.ListApprovalsRequest{RoundId: roundID})
			return err
		}},
		{"PublishRound publishes a round", officeOnlyCodes, func(ctx context.Context) error {
			_, err := h.rounds.PublishRound(ctx, &pb.PublishRoundRequest{RoundId: roundID})
			return err
		}},
		{"DownloadRoundFile streams assignments.csv", readerCodes, func(ctx context.Context) error {
			_, err := h.download(ctx, roundID, "assignments.csv")
			return err
		}},
		{"LookupAddress answers for a home in the ward", ownWardCodes, func(ctx context.Context) error {
			_, err := h.places.LookupAddress(ctx, &pb.LookupAddressRequest{Longitude: homeInA.Lon(), Latitude: homeInA.Lat(), Level: pb.Level_LEVEL_GRADE1})
			return err
		}},
		{"PreviewWard previews the ward", ownWardCodes, func(ctx context.Context) error {
			_, err := h.places.PreviewWard(ctx, &pb.PreviewWardRequest{RoundId: roundID, WardCode: wardA})
			return err
		}},
		{"ListAuditEntries reads the log", readerCodes, func(ctx context.Context) error {
			_, err := h.audit.ListAuditEntries(ctx, &pb.ListAuditEntriesRequest{})
			return err
		}},
		{"VerifyAuditLog verifies the log", readerCodes, func(ctx context.Context) error {
			_, err := h.audit.VerifyAuditLog(ctx, &pb.VerifyAuditLogRequest{})
			return err
		}},
	}
	for _, c := range cases {
		for i, who := range callers {
			t.Run(c.name+"/"+who.name, func(t *testing.T) {
				requireCode(t, c.want[i], c.call(as(who.token())))
			})
		}
	}
	t.Run("the table covers every RPC the server registers", func(t *testing.T) {
		tested := 0
		for name, info := range h.gs.GetServiceInfo() {
			if publicMethod("/" + name + "/") {
				continue
			}
			for _, m := range info.Methods {
				_, listed := access["/"+name+"/"+m.Name]
				require.True(t, listed, "%s/%s has no access entry", name, m.Name)
				tested++
			}
		}
		require.Equal(t, len(cases), tested, "one case per RPC")
	})
	t.Run("the audit log verifies after every call", func(t *testing.T) {
		v, err := h.st.Verify(context.Background(), nil)
		require.NoError(t, err)
		require.True(t, v.OK(), "%v", v.Problems)
	})
}

func TestHealthAndReflectionNeedNoToken(t *testing.T) {
	h := newHarness(t, Config{})
	resp, err := healthpb.NewHealthClient(h.conn).Check(context.Background(), &healthpb.HealthCheckRequest{Service: "catchment.v1.RoundService"})
	require.NoError(t, err)
	require.Equal(t, healthpb.HealthCheckResponse_SERVING, resp.GetStatus())

	stream, err := reflectionpb.NewServerReflectionClient(h.conn).ServerReflectionInfo(context.Background())
	require.NoError(t, err)
	require.NoError(t, stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}))
	got, err := stream.Recv()
	require.NoError(t, err)
	var names []string
	for _, s := range got.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	require.Contains(t, names, "catchment.v1.CatchmentService")

	h.srv.Drain()
	resp, err = healthpb.NewHealthClient(h.conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	require.NoError(t, err)
	require.Equal(t, healthpb.HealthCheckResponse_NOT_SERVING, resp.GetStatus(), "draining tells probes to stop")
}

func TestUnknownAndMalformedTokensAreUnauthenticated(t *testing.T) {
	h := newHarness(t, Config{})
	for name, token := range map[string]string{
		"a token the file does not list": "not-a-listed-token-at-all",
		"a listed token with a typo":     tokOffice + "x",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := h.rounds.ListRounds(as(token), &pb.ListRoundsRequest{})
			requireCode(t, codes.Unauthenticated, err)
		})
	}
}

func TestTheTokensFileIsChecked(t *testing.T) {
	cases := []struct {
		name, file, says string
	}{
		{"an unknown role", `{"a-long-enough-token-1": "admin"}`, `unknown role "admin"`},
		{"a ward without a code", `{"a-long-enough-token-1": "ward:"}`, "unknown role"},
		{"a short token", `{"short": "office"}`, "shorter than 16 bytes"},
		{"not an object", `["office"]`, "want a JSON object"},
		{"a token listed twice", `{"a-long-enough-token-1": "office", "a-long-enough-token-1": "auditor"}`,
			"token " + Label("a-long-enough-token-1") + " is listed twice"},
		{"two tokens whose labels collide", sameLabelTokens(t), "two tokens have the label"},
		{"a role that is not a string", `{"a-long-enough-token-1": 5}`, "the role must be a string"},
		{"something after the object", `{"a-long-enough-token-1": "office"} {}`, "data after the object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseTokens([]byte(c.file))
			require.ErrorContains(t, err, c.says)
			require.NotContains(t, err.Error(), "a-long-enough-token-", "errors name a token by its label only")
		})
	}
	tokens, err := ParseTokens([]byte(`{"a-long-enough-token-1": "ward:00115"}`))
	require.NoError(t, err)
	p, ok := tokens.Authenticate("a-long-enough-token-1")
	require.True(t, ok)
	require.Equal(t, Principal{Role: RoleWard, Ward: "00115", Subject: Label("a-long-enough-token-1")}, p)
	require.Len(t, p.Subject, 8)
}

// sameLabelTokens returns a tokens file of two tokens whose labels (32
// bits of their SHA-256) are the same, found by a birthday search over
// numbered tokens.
func sameLabelTokens(t *testing.T) string {
	t.Helper()
	seen := map[string]string{}
	for i := range 1 << 20 {
		token := fmt.Sprintf("a-long-enough-token-%d", i)
		if other, ok := seen[Label(token)]; ok {
			return fmt.Sprintf(`{%q: "office", %q: "auditor"}`, other, token)
		}
		seen[Label(token)] = token
	}
	t.Fatal("no two labels collide")
	return ""
}

func TestEveryChangeIsAuditedOnceAndARefusedOneNotAtAll(t *testing.T) {
	h := newHarness(t, Config{})
	datasetID, published := h.publishedRound()
	toPublish := h.run(datasetID, "to publish").GetId()
	upload := func(ctx context.Context) error {
		_, err := h.uploadFiles(ctx, cityFiles, 1<<20, false)
		return err
	}
	run := func(ctx context.Context) error {
		off := false
		_, _, err := h.runRound(ctx, &pb.RunRoundRequest{DatasetId: datasetID, Year: 2026, Seed: "audited", Compare: &off,
			Levels: []pb.Level{pb.Level_LEVEL_GRADE1}})
		return err
	}
	approve := func(ward string) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			_, err := h.rounds.ApproveWard(ctx, &pb.ApproveWardRequest{RoundId: published, WardCode: ward, Level: pb.Level_LEVEL_GRADE1})
			return err
		}
	}
	publish := func(ctx context.Context) error {
		_, err := h.rounds.PublishRound(ctx, &pb.PublishRoundRequest{RoundId: toPublish})
		return err
	}
	cases := []struct {
		name, token, action, role string
		call                      func(ctx context.Context) error
	}{
		{"an upload by an auditor is refused", tokAuditor, "", "", upload},
		{"an upload by the office", tokOffice, "dataset.upload", "office", upload},
		{"a round run by a ward official is refused", tokWard(wardA), "", "", run},
		{"a round run by the office", tokOffice, "round.run", "office", run},
		{"an approval by another ward's official is refused", tokWard(wardB), "", "", approve(wardA)},
		{"an approval by an auditor is refused", tokAuditor, "", "", approve(wardA)},
		{"an approval by the ward's official", tokWard(wardA), "round.approve", "ward:" + wardA, approve(wardA)},
		{"an approval by the office", tokOffice, "round.approve", "office", approve(wardB)},
		{"a publication by a ward official is refused", tokWard(wardA), "", "", publish},
		{"a publication by the office", tokOffice, "round.publish", "office", publish},
	}
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, err := h.st.AuditHead(ctx)
			require.NoError(t, err)
			err = c.call(as(c.token))
			added, lerr := h.st.AuditEntries(ctx, before.Seq, 0)
			require.NoError(t, lerr)
			if c.action == "" {
				requireCode(t, denied, err)
				require.Empty(t, added)
				return
			}
			require.NoError(t, err)
			require.Len(t, added, 1)
			require.Equal(t, c.action, added[0].Action)
			require.Equal(t, c.role, added[0].Role)
			require.Equal(t, Label(c.token), added[0].Subject)
		})
	}
}

func TestAWardOfficialListsOnlyTheirOwnWardsApprovals(t *testing.T) {
	h := newHarness(t, Config{})
	_, id := h.publishedRound()
	for _, ward := range []string{wardA, wardB} {
		for _, l := range []pb.Level{pb.Level_LEVEL_GRADE1, pb.Level_LEVEL_GRADE6} {
			_, err := h.rounds.ApproveWard(as(tokWard(ward)), &pb.ApproveWardRequest{RoundId: id, WardCode: ward, Level: l})
			require.NoError(t, err)
		}
	}
	cases := []struct {
		name, token string
		wards       []string // the wards whose approvals and pending codes it sees
	}{
		{"the official of ward A", tokWard(wardA), []string{wardA}},
		{"the official of ward B", tokWard(wardB), []string{wardB}},
		{"an auditor", tokAuditor, []string{wardA, wardB}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := h.rounds.ListApprovals(as(c.token), &pb.ListApprovalsRequest{RoundId: id})
			require.NoError(t, err)
			seen := map[string]int{}
			for _, a := range got.GetApprovals() {
				seen[a.GetWardCode()]++
			}
			for _, w := range c.wards {
				require.Equal(t, 2, seen[w], "both levels approved by %s", w)
			}
			if len(c.wards) == 1 {
				require.Len(t, seen, 1)
				require.Equal(t, c.wards, got.GetPendingWardCodes(), "three levels are still to approve")
			} else {
				require.Subset(t, got.GetPendingWardCodes(), c.wards)
			}
		})
	}
}
