package server

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/catchment/catchment/allocator"
	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/round"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
)

// localRound runs the test city in process with the inputs of a server
// round of dataset d1; compare as the round asked.
func localRound(t *testing.T, seed string, compare bool) *round.Round {
	t.Helper()
	in := round.Inputs{}
	for _, r := range fileRoles {
		if data := cityFiles[toPBRole(r.name)]; data != nil && r.round != "" {
			in[r.round] = &round.Source{Path: r.file, ManifestPath: datasetRef("d1", r), Data: data}
		}
	}
	rd, err := round.Run(context.Background(), round.Request{Inputs: in, Year: 2026, Seed: seed, Mode: allocator.Stable, Compare: compare})
	require.NoError(t, err)
	return rd
}

func TestARoundStreamsProgressAndStoresWhatTheEngineRenders(t *testing.T) {
	h := newHarness(t, Config{})
	id := h.upload()
	progress, r, err := h.runRound(as(tokOffice), &pb.RunRoundRequest{DatasetId: id, Year: 2026, Seed: "same-engine"})
	require.NoError(t, err)
	require.NotEmpty(t, progress)
	require.Equal(t, "load inputs", progress[0].GetStage())
	last := progress[len(progress)-1]
	require.Equal(t, "render outputs", last.GetStage())
	require.Equal(t, last.GetTotal(), last.GetDone())
	require.Equal(t, "r1", r.GetId())
	require.Len(t, r.GetLevels(), 5)
	require.EqualValues(t, cityConfig.Applicants, r.GetSummary().GetTotals().GetApplicants())
	require.Len(t, r.GetSummary().GetPriceOfStability(), 5, "the comparison is on by default, as in the CLI")
	require.NotEmpty(t, r.GetSummary().GetOptimality())

	local := localRound(t, "same-engine", true)
	for _, f := range local.Files {
		got, err := h.download(as(tokAuditor), r.GetId(), f.Name)
		require.NoError(t, err)
		require.Equal(t, string(f.Data), string(got), "%s is what round.Run renders", f.Name)
	}
	manifest, err := h.download(as(tokOffice), r.GetId(), "manifest.json")
	require.NoError(t, err)
	require.Contains(t, string(manifest), `"path": "dataset:d1/applicants.geojson"`)
}

func TestTheComparisonWithTheOtherModeCanBeTurnedOff(t *testing.T) {
	h := newHarness(t, Config{})
	off := false
	_, r, err := h.runRound(as(tokOffice), &pb.RunRoundRequest{DatasetId: h.upload(), Year: 2026, Seed: "s", Compare: &off,
		Levels: []pb.Level{pb.Level_LEVEL_GRADE1}})
	require.NoError(t, err)
	require.Empty(t, r.GetSummary().GetPriceOfStability())
	manifest, err := h.download(as(tokOffice), r.GetId(), "manifest.json")
	require.NoError(t, err)
	require.Contains(t, string(manifest), `"compare": false`)
}

func TestARunRequestIsChecked(t *testing.T) {
	h := newHarness(t, Config{})
	id := h.upload()
	cases := []struct {
		name  string
		req   *pb.RunRoundRequest
		field string
	}{
		{"no seed", &pb.RunRoundRequest{DatasetId: id, Year: 2026}, "seed"},
		{"no year", &pb.RunRoundRequest{DatasetId: id, Seed: "s"}, "year"},
		{"an unspecified level", &pb.RunRoundRequest{DatasetId: id, Year: 2026, Seed: "s", Levels: []pb.Level{pb.Level_LEVEL_UNSPECIFIED}}, "levels"},
		{"a level number that does not exist", &pb.RunRoundRequest{DatasetId: id, Year: 2026, Seed: "s", Levels: []pb.Level{42}}, "levels"},
		{"a policy that does not parse", &pb.RunRoundRequest{DatasetId: id, Year: 2026, Seed: "s", PolicyJson: []byte(`{"max_distance_m": 5}`)}, "policy_json"},
		{"a policy missing the dataset's priority groups", &pb.RunRoundRequest{DatasetId: id, Year: 2026, Seed: "s", PolicyJson: []byte(`{}`)},
			"applicants.geojson/features/"},
		{"no dataset", &pb.RunRoundRequest{Year: 2026, Seed: "s"}, "dataset_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := h.runRound(as(tokOffice), c.req)
			requireCode(t, codes.InvalidArgument, err)
			require.Contains(t, violations(t, err)[0].GetField(), c.field)
		})
	}
	rounds, err := h.rounds.ListRounds(as(tokOffice), &pb.ListRoundsRequest{})
	require.NoError(t, err)
	require.Empty(t, rounds.GetRounds())
}

func TestARequestPolicyIsRecordedAndReplays(t *testing.T) {
	h := newHarness(t, Config{})
	id := h.upload()
	policy := []byte(`{"class_caps": {"grade1": 30}, "priority_groups": ["war_martyr_child", "war_invalid_child", "poor_household", "ethnic_minority"]}`)
	_, r, err := h.runRound(as(tokOffice), &pb.RunRoundRequest{DatasetId: id, Year: 2026, Seed: "policy", PolicyJson: policy,
		Levels: []pb.Level{pb.Level_LEVEL_GRADE1}})
	require.NoError(t, err)
	manifest, err := h.download(as(tokOffice), r.GetId(), "manifest.json")
	require.NoError(t, err)
	require.Contains(t, string(manifest), `"path": "request:policy.json"`)
	require.Contains(t, string(manifest), `"grade1": 30`)

	again := openHarness(t, h.path, Config{})
	h.close()
	rep, err := again.rounds.ReplayRound(as(tokAuditor), &pb.ReplayRoundRequest{RoundId: r.GetId()})
	require.NoError(t, err)
	require.True(t, rep.GetVerified(), "%v", rep.GetDiffer())
}

func TestAWardOfficialReadsOnlyTheirWardsFigures(t *testing.T) {
	h := newHarness(t, Config{})
	_, id := h.publishedRound()
	office, err := h.rounds.GetRound(as(tokOffice), &pb.GetRoundRequest{RoundId: id})
	require.NoError(t, err)
	ward, err := h.rounds.GetRound(as(tokWard(wardA)), &pb.GetRoundRequest{RoundId: id})
	require.NoError(t, err)
	require.Greater(t, len(office.GetRound().GetSummary().GetWards()), len(ward.GetRound().GetSummary().GetWards()))
	require.NotEmpty(t, ward.GetRound().GetSummary().GetWards())
	for _, w := range ward.GetRound().GetSummary().GetWards() {
		require.Equal(t, wardA, w.GetCode())
	}
	require.Equal(t, office.GetRound().GetSummary().GetTotals().GetAssigned(), ward.GetRound().GetSummary().GetTotals().GetAssigned(),
		"city totals are aggregates every role may read")
}

func TestPlacementsAndExplanationsAreTheEngines(t *testing.T) {
	h := newHarness(t, Config{})
	_, id := h.publishedRound()
	assignments, err := h.download(as(tokOffice), id, "assignments.csv")
	require.NoError(t, err)
	rows, err := csv.NewReader(strings.NewReader(string(assignments))).ReadAll()
	require.NoError(t, err)
	local := localRound(t, "published", false)
	for _, row := range rows[1:][:200] {
		got, err := h.rounds.GetPlacement(as(tokAuditor), &pb.GetPlacementRequest{RoundId: id, ApplicantId: row[0]})
		require.NoError(t, err)
		p := got.GetPlacement()
		require.Equal(t, row[0], p.GetApplicantId())
		require.Equal(t, row[2], strings.ToLower(strings.TrimPrefix(p.GetStatus().String(), "PLACEMENT_STATUS_")))
		require.Equal(t, row[3], p.GetSchoolId())
		require.Equal(t, row[8], p.GetLottery())
		require.Equal(t, row[9], p.GetReason())
	}
	ex, err := h.rounds.ExplainPlacement(as(tokOffice), &pb.ExplainPlacementRequest{RoundId: id, ApplicantId: someChild})
	require.NoError(t, err)
	want, err := local.Result.Explain(someChild)
	require.NoError(t, err)
	require.Equal(t, want.Text(), ex.GetExplanation().GetText())

	_, err = h.rounds.GetPlacement(as(tokOffice), &pb.GetPlacementRequest{RoundId: id, ApplicantId: "nobody"})
	requireCode(t, codes.NotFound, err)
	_, err = h.rounds.ExplainPlacement(as(tokOffice), &pb.ExplainPlacementRequest{RoundId: "r42", ApplicantId: someChild})
	requireCode(t, codes.NotFound, err)
}

func TestARestartedServerRerunsAndVerifiesStoredRounds(t *testing.T) {
	h := newHarness(t, Config{})
	_, id := h.publishedRound()
	want, err := h.rounds.GetPlacement(as(tokOffice), &pb.GetPlacementRequest{RoundId: id, ApplicantId: someChild})
	require.NoError(t, err)

	again := openHarness(t, h.path, Config{})
	h.close()
	got, err := again.rounds.GetPlacement(as(tokOffice), &pb.GetPlacementRequest{RoundId: id, ApplicantId: someChild})
	require.NoError(t, err)
	require.Equal(t, want.GetPlacement().String(), got.GetPlacement().String())
	rep, err := again.rounds.ReplayRound(as(tokAuditor), &pb.ReplayRoundRequest{RoundId: id})
	require.NoError(t, err)
	require.True(t, rep.GetVerified())
	require.Len(t, rep.GetMatching(), 4)
}

func TestAStoredRoundThatNoLongerReplaysIsNotServed(t *testing.T) {
	h := newHarness(t, Config{})
	_, id := h.publishedRound()
	path := h.path
	h.close()
	tamper(t, path, `UPDATE blobs SET data = CAST('applicant_id' || char(10) AS BLOB)
		WHERE sha256 = (SELECT sha256 FROM round_files WHERE name = 'assignments.csv')`)

	again := openHarness(t, path, Config{})
	_, err := again.rounds.GetPlacement(as(tokOffice), &pb.GetPlacementRequest{RoundId: id, ApplicantId: someChild})
	requireCode(t, codes.DataLoss, err)
	_, err = again.places.LookupAddress(as(tokOffice), &pb.LookupAddressRequest{Longitude: homeInA.Lon(), Latitude: homeInA.Lat(), Level: pb.Level_LEVEL_GRADE1})
	requireCode(t, codes.DataLoss, err)
	rep, err := again.rounds.ReplayRound(as(tokAuditor), &pb.ReplayRoundRequest{RoundId: id})
	require.NoError(t, err)
	require.False(t, rep.GetVerified())
	require.Equal(t, []string{"assignments.csv: differs from the replayed output"}, rep.GetDiffer())
	v, err := again.audit.VerifyAuditLog(as(tokAuditor), &pb.VerifyAuditLogRequest{})
	require.NoError(t, err)
	require.False(t, v.GetVerified())
	require.Zero(t, v.GetFirstBrokenSeq(), "the chain holds; the stored file does not match it")
	require.Contains(t, strings.Join(v.GetProblems(), "\n"), "the file was changed")
}

func TestApprovalsArePerWardAndLevel(t *testing.T) {
	h := newHarness(t, Config{})
	_, id := h.publishedRound()
	ctx := as(tokWard(wardA))
	resp, err := h.rounds.ApproveWard(ctx, &pb.ApproveWardRequest{RoundId: id, WardCode: wardA, Level: pb.Level_LEVEL_GRADE1,
		Note: "Đã kiểm tra trên bản đồ", Digest: strings.Repeat("ab", 32)})
	require.NoError(t, err)
	require.Equal(t, "ward:"+wardA, resp.GetApproval().GetRole())
	require.Equal(t, Label(tokWard(wardA)), resp.GetApproval().GetApprovedBy())
	_, err = h.rounds.ApproveWard(as(tokOffice), &pb.ApproveWardRequest{RoundId: id, WardCode: wardB, Level: pb.Level_LEVEL_GRADE6})
	require.NoError(t, err)

	mine, err := h.rounds.ListApprovals(ctx, &pb.ListApprovalsRequest{RoundId: id})
	require.NoError(t, err)
	require.Len(t, mine.GetApprovals(), 1, "a ward official sees their own ward's approvals")
	require.Equal(t, []string{wardA}, mine.GetPendingWardCodes(), "four levels are still to approve")
	all, err := h.rounds.ListApprovals(as(tokAuditor), &pb.ListApprovalsRequest{RoundId: id})
	require.NoError(t, err)
	require.Len(t, all.GetApprovals(), 2)
	require.Contains(t, all.GetPendingWardCodes(), wardB)

	cases := []struct {
		name string
		req  *pb.ApproveWardRequest
		want codes.Code
	}{
		{"a ward the round does not have", &pb.ApproveWardRequest{RoundId: id, WardCode: "nowhere", Level: pb.Level_LEVEL_GRADE1}, codes.NotFound},
		{"no level", &pb.ApproveWardRequest{RoundId: id, WardCode: wardB}, codes.InvalidArgument},
		{"a note of 2001 characters", &pb.ApproveWardRequest{RoundId: id, WardCode: wardB, Level: pb.Level_LEVEL_GRADE1,
			Note: strings.Repeat("ư", 2001)}, codes.InvalidArgument},
		{"a round that does not exist", &pb.ApproveWardRequest{RoundId: "r9", WardCode: wardB, Level: pb.Level_LEVEL_GRADE1}, codes.NotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := h.rounds.ApproveWard(as(tokOffice), c.req)
			requireCode(t, c.want, err)
		})
	}
}

func TestPublishingIsRecordedAndReturnsTheAuditHead(t *testing.T) {
	h := newHarness(t, Config{})
	id := h.upload()
	r := h.run(id, "publish")
	resp, err := h.rounds.PublishRound(as(tokOffice), &pb.PublishRoundRequest{RoundId: r.GetId()})
	require.NoError(t, err)
	require.True(t, resp.GetChanged())
	require.Len(t, resp.GetRound().GetPublishedLevels(), 5)
	require.Contains(t, resp.GetPendingWardCodes(), wardA)
	v, err := h.audit.VerifyAuditLog(as(tokAuditor), &pb.VerifyAuditLogRequest{})
	require.NoError(t, err)
	require.True(t, v.GetVerified())
	require.Equal(t, v.GetHead().String(), resp.GetAuditHead().String())
	kept, err := h.audit.VerifyAuditLog(as(tokAuditor), &pb.VerifyAuditLogRequest{ExpectedHead: resp.GetAuditHead()})
	require.NoError(t, err)
	require.True(t, kept.GetVerified(), "the log holds the head publication returned: %v", kept.GetProblems())
	forged := &pb.AuditHead{Seq: resp.GetAuditHead().GetSeq(), Hash: strings.Repeat("0", 64)}
	kept, err = h.audit.VerifyAuditLog(as(tokAuditor), &pb.VerifyAuditLogRequest{ExpectedHead: forged})
	require.NoError(t, err)
	require.False(t, kept.GetVerified())
	require.Equal(t, forged.GetSeq(), kept.GetFirstBrokenSeq())
	_, err = h.audit.VerifyAuditLog(as(tokAuditor), &pb.VerifyAuditLogRequest{ExpectedHead: &pb.AuditHead{Seq: 1, Hash: "x"}})
	requireCode(t, codes.InvalidArgument, err)

	again, err := h.rounds.PublishRound(as(tokOffice), &pb.PublishRoundRequest{RoundId: r.GetId()})
	require.NoError(t, err)
	require.False(t, again.GetChanged())
	require.Equal(t, resp.GetAuditHead().GetSeq(), again.GetAuditHead().GetSeq(), "nothing changed, nothing logged")
}

func TestACancelledRoundLeavesNoTrace(t *testing.T) {
	h := newHarness(t, Config{})
	id := h.upload()
	release, err := h.srv.acquireHeavy(context.Background(), nil) // another round is running
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(as(tokOffice))
	stream, err := h.rounds.RunRound(ctx, &pb.RunRoundRequest{DatasetId: id, Year: 2026, Seed: "cancelled"})
	require.NoError(t, err)
	msg, err := stream.Recv()
	require.NoError(t, err)
	require.Contains(t, msg.GetProgress().GetStage(), "waiting for another round")
	cancel()
	_, err = stream.Recv()
	requireCode(t, codes.Canceled, err)
	release()
	require.Eventually(t, func() bool { // the handler has returned once the slot is free again
		r, err := h.srv.acquireHeavy(context.Background(), nil)
		if err == nil {
			r()
		}
		return err == nil
	}, 5*time.Second, 10*time.Millisecond)
	rounds, err := h.st.Rounds(context.Background())
	require.NoError(t, err)
	require.Empty(t, rounds)
	head, err := h.st.AuditHead(context.Background())
	require.NoError(t, err)
	require.Equal(t, int64(1), head.Seq, "only the upload is logged")
}

func TestAGracefulStopLetsARunningRoundFinishAndBeStored(t *testing.T) {
	h := newHarness(t, Config{})
	id := h.upload()
	release, err := h.srv.acquireHeavy(context.Background(), nil)
	require.NoError(t, err)
	stream, err := h.rounds.RunRound(as(tokOffice), &pb.RunRoundRequest{DatasetId: id, Year: 2026, Seed: "drained"})
	require.NoError(t, err)
	_, err = stream.Recv() // waiting for the slot
	require.NoError(t, err)
	stopped := make(chan struct{})
	go func() {
		h.gs.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
		t.Fatal("GracefulStop returned while a round was running")
	case <-time.After(200 * time.Millisecond):
	}
	release()
	var r *pb.Round
	for r == nil {
		msg, err := stream.Recv()
		require.NoError(t, err)
		r = msg.GetRound()
	}
	<-stopped
	stored, err := h.st.Round(context.Background(), r.GetId())
	require.NoError(t, err)
	require.Equal(t, r.GetManifestSha256(), stored.ManifestSHA256())
}

func TestDrainingRefusesRoundsAndReplaysThatHaveNotStarted(t *testing.T) {
	h := newHarness(t, Config{})
	datasetID, roundID := h.publishedRound()
	release, err := h.srv.acquireHeavy(context.Background(), nil) // another round is running
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(as(tokOffice), 20*time.Second) // waiting calls end with DEADLINE_EXCEEDED at worst
	defer cancel()
	stream, err := h.rounds.RunRound(ctx, &pb.RunRoundRequest{DatasetId: datasetID, Year: 2026, Seed: "too late"})
	require.NoError(t, err)
	msg, err := stream.Recv()
	require.NoError(t, err)
	require.Contains(t, msg.GetProgress().GetStage(), "waiting for another round")
	replayed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(as(tokAuditor), 20*time.Second)
		defer cancel()
		_, err := h.rounds.ReplayRound(ctx, &pb.ReplayRoundRequest{RoundId: roundID})
		replayed <- err
	}()

	h.srv.Drain()
	_, err = stream.Recv()
	requireCode(t, codes.Unavailable, err)
	requireCode(t, codes.Unavailable, <-replayed)
	release()
	cases := []struct {
		name string
		call func() error
	}{
		{"a round asked for once the slot is free", func() error {
			_, _, err := h.runRound(as(tokOffice), &pb.RunRoundRequest{DatasetId: datasetID, Year: 2026, Seed: "after"})
			return err
		}},
		{"a replay asked for once the slot is free", func() error {
			_, err := h.rounds.ReplayRound(as(tokAuditor), &pb.ReplayRoundRequest{RoundId: roundID})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			requireCode(t, codes.Unavailable, c.call())
		})
	}
	rounds, err := h.st.Rounds(context.Background())
	require.NoError(t, err)
	require.Len(t, rounds, 1, "no round started after the drain began")
}

func TestDrainingLetsARunningRoundComplete(t *testing.T) {
	h := newHarness(t, Config{})
	id := h.upload()
	stream, err := h.rounds.RunRound(as(tokOffice), &pb.RunRoundRequest{DatasetId: id, Year: 2026, Seed: "running"})
	require.NoError(t, err)
	for { // until the round has the slot and the engine reports
		msg, err := stream.Recv()
		require.NoError(t, err)
		if st := msg.GetProgress().GetStage(); st != "" && !strings.Contains(st, "waiting") {
			break
		}
	}
	h.srv.Drain()
	var r *pb.Round
	for r == nil {
		msg, err := stream.Recv()
		require.NoError(t, err)
		r = msg.GetRound()
	}
	_, err = h.st.Round(context.Background(), r.GetId())
	require.NoError(t, err, "the round is stored")
}
