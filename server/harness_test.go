package server

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/catchment/catchment/geo"
	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/seeds"
	"github.com/catchment/catchment/store"
	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
)

// The small city every in-process test uses: generated once by TestMain
// from a fixed seed (seed 7, 3,000 applicants, 40 schools per level group,
// 6 wards).
var (
	cityConfig = seeds.Config{Seed: 7, Year: 2026, Applicants: 3000, SchoolsPerLevel: 40, Wards: 6}
	cityFiles  map[pb.FileRole][]byte
	cityDir    string
	// wardA and wardB are two wards of the city with schools; homeInA is
	// an applicant's home inside wardA.
	wardA, wardB string
	homeInA      orb.Point
	someChild    string // an applicant id
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "catchment-server-test-")
	if err == nil {
		err = writeCity(dir, cityConfig)
	}
	if err == nil {
		err = loadCity(dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "test city:", err)
		os.Exit(1)
	}
	cityDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func writeCity(dir string, cfg seeds.Config) error {
	city, err := seeds.Generate(cfg, nil)
	if err != nil {
		return err
	}
	return city.WriteDir(dir, nil)
}

// cityRoles lists the generated files by upload role.
var cityRoles = map[pb.FileRole]string{
	pb.FileRole_FILE_ROLE_SCHOOLS: "schools.geojson", pb.FileRole_FILE_ROLE_APPLICANTS: "applicants.geojson",
	pb.FileRole_FILE_ROLE_WARDS: "wards.geojson", pb.FileRole_FILE_ROLE_POLICY: "policy.json",
	pb.FileRole_FILE_ROLE_BOUNDARY: "boundary.geojson", pb.FileRole_FILE_ROLE_RIVERS: "rivers.geojson",
	pb.FileRole_FILE_ROLE_ROADS: "roads.geojson",
}

func loadCity(dir string) error {
	cityFiles = map[pb.FileRole][]byte{}
	for role, name := range cityRoles {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		cityFiles[role] = data
	}
	schools, err := geo.DecodeSchools("schools.geojson", cityFiles[pb.FileRole_FILE_ROLE_SCHOOLS])
	if err != nil {
		return err
	}
	wards, err := geo.DecodeWards("wards.geojson", cityFiles[pb.FileRole_FILE_ROLE_WARDS])
	if err != nil {
		return err
	}
	apps, err := geo.DecodeApplicants("applicants.geojson", cityFiles[pb.FileRole_FILE_ROLE_APPLICANTS])
	if err != nil {
		return err
	}
	return pickWards(schools, wards, apps)
}

// pickWards chooses the two wards with the most schools (the lower codes
// of equal counts), and a grade-1 home inside the first.
func pickWards(schools []geo.School, wards []geo.Ward, apps []geo.Applicant) error {
	count := map[string]int{}
	for _, s := range schools {
		count[s.Ward]++
	}
	codes := make([]string, 0, len(count))
	for c := range count {
		codes = append(codes, c)
	}
	slices.SortFunc(codes, func(a, b string) int { return cmp.Or(count[b]-count[a], strings.Compare(a, b)) })
	if len(codes) < 2 {
		return errors.New("the test city needs two wards with schools")
	}
	wardA, wardB = codes[0], codes[1]
	someChild = apps[len(apps)/2].ID
	for _, w := range wards {
		if w.Code != wardA {
			continue
		}
		ix := geo.NewAreaIndex([]orb.MultiPolygon{w.Shape})
		for _, a := range apps {
			if a.Level == geo.Grade1 && ix.First(a.Loc) == 0 {
				homeInA = a.Loc
				return nil
			}
		}
	}
	return errors.New("no grade-1 home inside ward " + wardA)
}

// The tokens of the test server, by who holds them.
const (
	tokOffice  = "office-token-0123456789"
	tokAuditor = "auditor-token-0123456789"
)

func tokWard(code string) string { return "ward-" + code + "-token-0123456789" }

// harness is a server over a fresh store, reached over bufconn through
// the real interceptors.
type harness struct {
	t        testing.TB
	srv      *Server
	gs       *grpc.Server
	st       *store.Store
	path     string
	conn     *grpc.ClientConn
	datasets pb.DatasetServiceClient
	rounds   pb.RoundServiceClient
	places   pb.CatchmentServiceClient
	audit    pb.AuditServiceClient
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	return openHarness(t, filepath.Join(t.TempDir(), "catchment.db"), cfg)
}

// openHarness serves the store at path; a second harness on the same path
// is a restarted server.
func openHarness(t *testing.T, path string, cfg Config) *harness {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	require.NoError(t, err)
	tokens, err := ParseTokens([]byte(fmt.Sprintf(`{%q: "office", %q: "auditor", %q: "ward:%s", %q: "ward:%s"}`,
		tokOffice, tokAuditor, tokWard(wardA), wardA, tokWard(wardB), wardB)))
	require.NoError(t, err)
	h := &harness{t: t, st: st, path: path}
	h.srv = New(st, tokens, cfg)
	h.gs = h.srv.GRPCServer()
	lis := bufconn.Listen(1 << 20)
	go h.gs.Serve(lis)
	h.conn, err = grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxMessageBytes), grpc.MaxCallSendMsgSize(MaxMessageBytes)))
	require.NoError(t, err)
	h.datasets, h.rounds = pb.NewDatasetServiceClient(h.conn), pb.NewRoundServiceClient(h.conn)
	h.places, h.audit = pb.NewCatchmentServiceClient(h.conn), pb.NewAuditServiceClient(h.conn)
	t.Cleanup(h.close)
	return h
}

func (h *harness) close() {
	h.conn.Close()
	h.gs.Stop()
	h.st.Close()
}

// as returns a context whose calls carry the token.
func as(token string) context.Context {
	if token == "" {
		return context.Background()
	}
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
}

// uploadFiles streams files in chunks of chunk bytes and returns the
// response or the call's error.
func (h *harness) uploadFiles(ctx context.Context, files map[pb.FileRole][]byte, chunk int, validateOnly bool) (*pb.UploadDatasetResponse, error) {
	stream, err := h.datasets.UploadDataset(ctx)
	if err != nil {
		return nil, err
	}
	roles := make([]pb.FileRole, 0, len(files))
	for r := range files {
		roles = append(roles, r)
	}
	slices.Sort(roles)
	first := true
	for _, r := range roles {
		for data := files[r]; len(data) > 0; {
			n := min(chunk, len(data))
			msg := &pb.UploadDatasetRequest{Role: r, Data: data[:n], ValidateOnly: validateOnly}
			if first {
				msg.Label, first = "test city", false
			}
			if err := stream.Send(msg); err != nil {
				_, err = stream.CloseAndRecv() // the server's status
				return nil, err
			}
			data = data[n:]
		}
	}
	return stream.CloseAndRecv()
}

// upload stores the test city as the office and returns its dataset id.
func (h *harness) upload() string {
	h.t.Helper()
	resp, err := h.uploadFiles(as(tokOffice), cityFiles, 256<<10, false)
	require.NoError(h.t, err)
	return resp.GetDataset().GetId()
}

// runRound runs a round and returns its progress messages and the round,
// or the call's error.
func (h *harness) runRound(ctx context.Context, req *pb.RunRoundRequest) ([]*pb.Progress, *pb.Round, error) {
	stream, err := h.rounds.RunRound(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	var progress []*pb.Progress
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return progress, nil, errors.New("the stream ended without a round")
		}
		if err != nil {
			return progress, nil, err
		}
		if r := msg.GetRound(); r != nil {
			_, err := stream.Recv()
			require.ErrorIs(h.t, err, io.EOF, "the round is the last message")
			return progress, r, nil
		}
		progress = append(progress, msg.GetProgress())
	}
}

// run runs a stable round on the dataset as the office, without the
// comparison with the optimal mode (tests that need it ask for it).
func (h *harness) run(datasetID, seed string) *pb.Round {
	h.t.Helper()
	off := false
	_, r, err := h.runRound(as(tokOffice), &pb.RunRoundRequest{DatasetId: datasetID, Year: 2026, Seed: seed, Compare: &off})
	require.NoError(h.t, err)
	return r
}

// publishedRound uploads the city, runs a round and publishes it.
func (h *harness) publishedRound() (datasetID, roundID string) {
	h.t.Helper()
	datasetID = h.upload()
	roundID = h.run(datasetID, "published").GetId()
	_, err := h.rounds.PublishRound(as(tokOffice), &pb.PublishRoundRequest{RoundId: roundID})
	require.NoError(h.t, err)
	return datasetID, roundID
}

// download reads a whole round file.
func (h *harness) download(ctx context.Context, roundID, name string) ([]byte, error) {
	stream, err := h.rounds.DownloadRoundFile(ctx, &pb.DownloadRoundFileRequest{RoundId: roundID, Name: name})
	if err != nil {
		return nil, err
	}
	return drain(stream.Recv)
}

// drain reads a download stream to its end.
func drain[T interface{ GetData() []byte }](recv func() (T, error)) ([]byte, error) {
	var out []byte
	for {
		msg, err := recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, msg.GetData()...)
	}
}

// requireCode fails unless err is a status with the code.
func requireCode(t *testing.T, want codes.Code, err error) {
	t.Helper()
	require.Equal(t, want.String(), status.Code(err).String(), "error: %v", err)
}

// tamper changes a store file behind the server's back, the way someone
// with write access to the file could: triggers dropped first.
func tamper(t *testing.T, path, update string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	for _, stmt := range []string{`DROP TRIGGER blobs_no_update`, update} {
		_, err := db.Exec(stmt)
		require.NoError(t, err, stmt)
	}
}
