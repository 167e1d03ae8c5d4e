package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/csv"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/round"
	"github.com/catchment/catchment/seeds"
	"github.com/catchment/catchment/server"
	"github.com/catchment/catchment/store"
	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// The end-to-end tests build the binary, generate a city of 20,000
// applicants, and drive `catchment serve` over a real TCP port.

const (
	e2eOffice  = "e2e-office-token-0123456789"
	e2eAuditor = "e2e-auditor-token-0123456789"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds cmd/catchment once per test run.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "catchment-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "catchment")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, binErr)
	return binPath
}

// e2eCity writes a generated city of 20,000 applicants into a new
// directory; with -short the tests that need it are skipped.
func e2eCity(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and serves a generated city: run without -short")
	}
	dir := t.TempDir()
	city, err := seeds.Generate(seeds.Config{Seed: 2026, Year: 2026, Applicants: 20_000, SchoolsPerLevel: 120, Wards: 24}, nil)
	require.NoError(t, err)
	require.NoError(t, city.WriteDir(dir, nil))
	return dir
}

// served is a running `catchment serve`.
type served struct {
	cmd    *exec.Cmd
	addr   string // gRPC
	http   string // map page
	stderr *syncBuffer
	conn   *grpc.ClientConn
	exited chan error
}

// syncBuffer collects a process's stderr while tests read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	grpcAddr = regexp.MustCompile(`msg=serving grpc=(\S+)`)
	httpAddr = regexp.MustCompile(`msg="map page" http=(\S+)`)
)

// startServe starts the binary on free ports over the store and waits until it
// listens; creds, when given, are the client's TLS credentials for a server
// started with the extra args.
func startServe(t *testing.T, storePath string, creds credentials.TransportCredentials, args ...string) *served {
	t.Helper()
	tokens := filepath.Join(t.TempDir(), "tokens.json")
	require.NoError(t, os.WriteFile(tokens, []byte(fmt.Sprintf(`{%q: "office", %q: "auditor"}`, e2eOffice, e2eAuditor)), 0o600))
	s := &served{stderr: &syncBuffer{}, exited: make(chan error, 1)}
	s.cmd = exec.Command(binary(t), append([]string{"serve", "--addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--store", storePath,
		"--tokens", tokens, "--drain-timeout", "2m"}, args...)...)
	pipe, err := s.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, s.cmd.Start())
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			s.stderr.Write(append(sc.Bytes(), '\n'))
			select {
			case lines <- sc.Text():
			default:
			}
		}
		s.exited <- s.cmd.Wait()
	}()
	t.Cleanup(func() { s.kill() })
	deadline := time.After(30 * time.Second)
	for s.addr == "" || s.http == "" {
		select {
		case line := <-lines:
			if m := grpcAddr.FindStringSubmatch(line); m != nil {
				s.addr = m[1]
			}
			if m := httpAddr.FindStringSubmatch(line); m != nil {
				s.http = m[1]
			}
		case <-deadline:
			t.Fatalf("the server did not start:\n%s", s.stderr)
		}
	}
	if creds == nil {
		creds = insecure.NewCredentials()
	}
	s.conn, err = grpc.NewClient(s.addr, grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(8<<20)))
	require.NoError(t, err)
	return s
}

// kill stops the process with SIGKILL if it still runs.
func (s *served) kill() {
	if s.conn != nil {
		s.conn.Close()
	}
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
	}
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
	}
}

// wait returns the process's exit error, or fails after d.
func (s *served) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case err := <-s.exited:
		return err
	case <-time.After(d):
		t.Fatalf("the server did not exit:\n%s", s.stderr)
		return nil
	}
}

func office() context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+e2eOffice)
}

func auditorCtx() context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+e2eAuditor)
}

// e2eFiles are the city's files by upload role.
var e2eFiles = map[pb.FileRole]string{
	pb.FileRole_FILE_ROLE_SCHOOLS: "schools.geojson", pb.FileRole_FILE_ROLE_APPLICANTS: "applicants.geojson",
	pb.FileRole_FILE_ROLE_WARDS: "wards.geojson", pb.FileRole_FILE_ROLE_POLICY: "policy.json",
	pb.FileRole_FILE_ROLE_BOUNDARY: "boundary.geojson", pb.FileRole_FILE_ROLE_RIVERS: "rivers.geojson",
	pb.FileRole_FILE_ROLE_ROADS: "roads.geojson",
}

// upload streams the city in 1 MiB chunks and returns the dataset id.
func upload(t *testing.T, conn *grpc.ClientConn, dir string) string {
	t.Helper()
	stream, err := pb.NewDatasetServiceClient(conn).UploadDataset(office())
	require.NoError(t, err)
	for role := pb.FileRole_FILE_ROLE_SCHOOLS; role <= pb.FileRole_FILE_ROLE_ROADS; role++ {
		name, ok := e2eFiles[role]
		if !ok {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		for len(data) > 0 {
			n := min(len(data), 1<<20)
			require.NoError(t, stream.Send(&pb.UploadDatasetRequest{Label: "e2e city", Role: role, Data: data[:n]}))
			data = data[n:]
		}
	}
	resp, err := stream.CloseAndRecv()
	require.NoError(t, err)
	return resp.GetDataset().GetId()
}

// startRound starts a round and returns a function that receives its
// next message.
func startRound(t *testing.T, conn *grpc.ClientConn, datasetID, seed string) func() (*pb.RunRoundResponse, error) {
	t.Helper()
	stream, err := pb.NewRoundServiceClient(conn).RunRound(office(), &pb.RunRoundRequest{DatasetId: datasetID, Year: 2026, Seed: seed})
	require.NoError(t, err)
	return stream.Recv
}

// finish reads a round's stream to its round.
func finish(t *testing.T, recv func() (*pb.RunRoundResponse, error)) *pb.Round {
	t.Helper()
	for {
		msg, err := recv()
		require.NoError(t, err)
		if r := msg.GetRound(); r != nil {
			return r
		}
	}
}

// untilAllocating reads progress until the engine reports a stage past
// loading the inputs: the round is running and nothing is stored yet.
func untilAllocating(t *testing.T, recv func() (*pb.RunRoundResponse, error)) {
	t.Helper()
	for {
		msg, err := recv()
		require.NoError(t, err)
		if st := msg.GetProgress().GetStage(); st != "" && st != "load inputs" {
			return
		}
	}
}

func downloadFile(t *testing.T, conn *grpc.ClientConn, roundID, name string) []byte {
	t.Helper()
	stream, err := pb.NewRoundServiceClient(conn).DownloadRoundFile(auditorCtx(), &pb.DownloadRoundFileRequest{RoundId: roundID, Name: name})
	require.NoError(t, err)
	var out []byte
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		out = append(out, msg.GetData()...)
	}
}

// auditVerify runs `catchment audit verify` and returns its exit code and
// output.
func auditVerify(t *testing.T, storePath string) (int, string) {
	t.Helper()
	out, err := exec.Command(binary(t), "audit", "verify", "--store", storePath).CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), string(out)
	}
	require.NoError(t, err)
	return 0, string(out)
}

func TestServeEndToEndMatchesTheCLI(t *testing.T) {
	city := e2eCity(t)
	storePath := filepath.Join(t.TempDir(), "catchment.db")
	srv := startServe(t, storePath, nil)

	health, err := healthpb.NewHealthClient(srv.conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	require.NoError(t, err)
	require.Equal(t, healthpb.HealthCheckResponse_SERVING, health.GetStatus())
	_, err = pb.NewRoundServiceClient(srv.conn).ListRounds(context.Background(), &pb.ListRoundsRequest{})
	require.Equal(t, codes.Unauthenticated, status.Code(err))

	datasetID := upload(t, srv.conn, city)
	r := finish(t, startRound(t, srv.conn, datasetID, "e2e"))

	cliOut := filepath.Join(t.TempDir(), "round")
	out, err := exec.Command(binary(t), "allocate", "-q", "--schools", city+"/schools.geojson", "--applicants", city+"/applicants.geojson",
		"--wards", city+"/wards.geojson", "--policy", city+"/policy.json", "--year", "2026", "--seed", "e2e", "--out", cliOut).CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, name := range []string{"assignments.csv", "schools.csv", "summary.json"} {
		want, err := os.ReadFile(filepath.Join(cliOut, name))
		require.NoError(t, err)
		require.True(t, bytes.Equal(want, downloadFile(t, srv.conn, r.GetId(), name)), "%s is byte-identical to the CLI's", name)
	}
	checkPlacements(t, srv.conn, r.GetId(), filepath.Join(cliOut, "assignments.csv"))

	_, err = pb.NewRoundServiceClient(srv.conn).PublishRound(office(), &pb.PublishRoundRequest{RoundId: r.GetId()})
	require.NoError(t, err)
	checkLookups(t, srv.conn, city)

	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get("http://" + srv.http + "/")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "/map/", resp.Header.Get("Location"))

	// SIGTERM while a round runs: the round completes and is recorded,
	// then the server exits cleanly.
	recv := startRound(t, srv.conn, datasetID, "drained")
	untilAllocating(t, recv)
	require.NoError(t, srv.cmd.Process.Signal(syscall.SIGTERM))
	drained := finish(t, recv)
	require.NoError(t, srv.wait(t, 2*time.Minute), "%s", srv.stderr)
	require.Contains(t, srv.stderr.String(), "msg=stopped")

	code, text := auditVerify(t, storePath)
	require.Equal(t, 0, code, text)
	require.Contains(t, text, "audit log verified: 4 entries")

	again := startServe(t, storePath, nil)
	got, err := pb.NewRoundServiceClient(again.conn).GetRound(auditorCtx(), &pb.GetRoundRequest{RoundId: drained.GetId()})
	require.NoError(t, err)
	require.Equal(t, drained.GetManifestSha256(), got.GetRound().GetManifestSha256())
}

// checkPlacements compares GetPlacement with the CLI's rows for a sample
// of applicants.
func checkPlacements(t *testing.T, conn *grpc.ClientConn, roundID, cliAssignments string) {
	t.Helper()
	f, err := os.Open(cliAssignments)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	client := pb.NewRoundServiceClient(conn)
	for i := 1; i < len(rows); i += 97 {
		row := rows[i]
		got, err := client.GetPlacement(auditorCtx(), &pb.GetPlacementRequest{RoundId: roundID, ApplicantId: row[0]})
		require.NoError(t, err)
		p := got.GetPlacement()
		require.Equal(t, row[2], strings.ToLower(strings.TrimPrefix(p.GetStatus().String(), "PLACEMENT_STATUS_")), row[0])
		require.Equal(t, row[3], p.GetSchoolId(), row[0])
		if row[4] != "" {
			require.Equal(t, row[4], fmt.Sprint(p.GetDistanceM()), row[0])
		}
	}
}

// checkLookups compares the server's answers for homes and nearby points
// with a locator over the same round run in this process.
func checkLookups(t *testing.T, conn *grpc.ClientConn, city string) {
	t.Helper()
	in := round.Inputs{}
	for role, name := range map[round.Role]string{round.RoleSchools: "schools.geojson", round.RoleApplicants: "applicants.geojson",
		round.RoleWards: "wards.geojson", round.RolePolicy: "policy.json"} {
		src, err := round.ReadSource(filepath.Join(city, name))
		require.NoError(t, err)
		in[role] = src
	}
	rd, err := round.Run(context.Background(), round.Request{Inputs: in, Year: 2026, Seed: "e2e", Mode: allocator.Stable})
	require.NoError(t, err)
	client := pb.NewCatchmentServiceClient(conn)
	levels := []pb.Level{pb.Level_LEVEL_PRESCHOOL3, pb.Level_LEVEL_PRESCHOOL4, pb.Level_LEVEL_PRESCHOOL5, pb.Level_LEVEL_GRADE1, pb.Level_LEVEL_GRADE6}
	apps := rd.Result.Applicants
	for i := 0; i < len(apps); i += 101 {
		l := geo.Level(i % geo.NumLevels)
		pt := orb.Point{apps[i].Loc.Lon() + 0.001, apps[i].Loc.Lat() - 0.001}
		want, found := round.NewLocator(rd.Result, l).Locate(pt)
		got, err := client.LookupAddress(auditorCtx(), &pb.LookupAddressRequest{Longitude: pt.Lon(), Latitude: pt.Lat(), Level: levels[l]})
		require.NoError(t, err)
		require.Equal(t, found, got.GetFound())
		require.Equal(t, want.SchoolID, got.GetSchoolId())
		require.EqualValues(t, want.DistM, got.GetDistanceM())
	}
}

func TestAServerKilledMidRoundRestartsWithTheRoundAbsentAndTheChainIntact(t *testing.T) {
	city := e2eCity(t)
	storePath := filepath.Join(t.TempDir(), "catchment.db")
	srv := startServe(t, storePath, nil)
	datasetID := upload(t, srv.conn, city)
	recv := startRound(t, srv.conn, datasetID, "killed")
	untilAllocating(t, recv)
	require.NoError(t, srv.cmd.Process.Signal(syscall.SIGKILL))
	require.Error(t, srv.wait(t, 30*time.Second), "killed")
	var err error
	for err == nil { // progress sent before the kill may still be buffered
		var msg *pb.RunRoundResponse
		msg, err = recv()
		require.Nil(t, msg.GetRound(), "the round never completes")
	}
	require.Equal(t, codes.Unavailable, status.Code(err), "%v", err)

	code, text := auditVerify(t, storePath)
	require.Equal(t, 0, code, text)
	again := startServe(t, storePath, nil)
	rounds := pb.NewRoundServiceClient(again.conn)
	list, err := rounds.ListRounds(auditorCtx(), &pb.ListRoundsRequest{})
	require.NoError(t, err)
	for _, r := range list.GetRounds() { // a round stored before the kill must be complete
		rep, err := rounds.ReplayRound(auditorCtx(), &pb.ReplayRoundRequest{RoundId: r.GetId()})
		require.NoError(t, err)
		require.True(t, rep.GetVerified(), "%v", rep.GetDiffer())
	}
	require.Empty(t, list.GetRounds(), "the kill came before the round was stored")
	v, err := pb.NewAuditServiceClient(again.conn).VerifyAuditLog(auditorCtx(), &pb.VerifyAuditLogRequest{})
	require.NoError(t, err)
	require.True(t, v.GetVerified(), "%v", v.GetProblems())
	require.EqualValues(t, 1, v.GetEntries(), "the upload only")

	r := finish(t, startRound(t, again.conn, datasetID, "after the crash"))
	require.Equal(t, "r1", r.GetId(), "the cut-off round used no id")
	code, text = auditVerify(t, storePath)
	require.Equal(t, 0, code, text)
	require.Contains(t, text, "audit log verified: 2 entries")
}

func TestAuditVerifyNamesTheFirstBrokenEntry(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catchment.db")
	st, err := store.Open(ctx, path)
	require.NoError(t, err)
	actor := store.Actor{Role: "office", Subject: "0ff1ce00"}
	ds, err := st.CreateDataset(ctx, actor, store.NewDataset{Label: "x", Files: []store.FileData{{Role: "schools", Name: "schools.geojson", Data: []byte("{}")}}})
	require.NoError(t, err)
	for _, seed := range []string{"one", "two"} {
		_, err := st.CreateRound(ctx, actor, store.NewRound{DatasetID: ds.ID, Year: 2026, Seed: seed, Mode: "stable", Levels: []string{"grade1"},
			Outputs: []store.FileData{{Name: "manifest.json", Data: []byte(seed)}}})
		require.NoError(t, err)
	}
	require.NoError(t, st.Close())

	code, stdout, _ := runCmd("audit", "verify", "--store", path)
	require.Equal(t, 0, code)
	require.Contains(t, stdout, "audit log verified: 3 entries, head seq 3 hash ")
	head := regexp.MustCompile(`head seq (\d+) hash ([0-9a-f]{64})`).FindStringSubmatch(stdout)
	require.Len(t, head, 3)
	kept := head[1] + ":" + head[2]
	code, stdout, _ = runCmd("audit", "verify", "--store", path, "--expect-head", kept)
	require.Equal(t, 0, code, stdout)
	require.Contains(t, stdout, "the log still holds the expected head "+kept)
	code, _, _ = runCmd("audit", "verify", "--store", path, "--expect-head", "3:nothex")
	require.Equal(t, 2, code, "a malformed head is a usage mistake")
	code, stdout, _ = runCmd("audit", "verify", "--store", path, "--expect-head", "4:"+head[2])
	require.Equal(t, 1, code)
	require.Contains(t, stdout, "audit entry 4: missing, but the head kept outside the store names it")
	code, stdout, _ = runCmd("audit", "list", "--store", path)
	require.Equal(t, 0, code)
	require.Len(t, strings.Split(strings.TrimSpace(stdout), "\n"), 3)

	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	for _, stmt := range []string{`DROP TRIGGER audit_no_update`, `UPDATE audit SET details = '{}' WHERE seq = 2`} {
		_, err = db.Exec(stmt)
		require.NoError(t, err)
	}
	require.NoError(t, db.Close())
	code, stdout, _ = runCmd("audit", "verify", "--store", path)
	require.Equal(t, 1, code)
	require.Contains(t, stdout, "audit log BROKEN: first broken entry seq 2 (of 3 entries)")
	require.Contains(t, stdout, "audit entry 2: hash does not match the entry's content")

	code, _, _ = runCmd("audit", "verify")
	require.Equal(t, 2, code, "--store is required")
	code, _, _ = runCmd("audit", "verify", "--store", filepath.Join(t.TempDir(), "none.db"))
	require.Equal(t, 1, code, "a missing store is an error")
}

func TestServeWithTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary: run without -short")
	}
	dir := t.TempDir()
	pool := selfSigned(t, dir)
	srv := startServe(t, filepath.Join(dir, "catchment.db"), credentials.NewClientTLSFromCert(pool, ""),
		"--tls-cert", filepath.Join(dir, "cert.pem"), "--tls-key", filepath.Join(dir, "key.pem"))
	health, err := healthpb.NewHealthClient(srv.conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	require.NoError(t, err)
	require.Equal(t, healthpb.HealthCheckResponse_SERVING, health.GetStatus())
	_, err = pb.NewRoundServiceClient(srv.conn).ListRounds(office(), &pb.ListRoundsRequest{})
	require.NoError(t, err)

	plain, err := grpc.NewClient(srv.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer plain.Close()
	_, err = healthpb.NewHealthClient(plain).Check(context.Background(), &healthpb.HealthCheckRequest{})
	require.Equal(t, codes.Unavailable, status.Code(err), "no plaintext on a TLS port")

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get("https://" + srv.http + "/")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "/map/", resp.Header.Get("Location"), "the map page uses the same certificate")
}

// selfSigned writes cert.pem and key.pem for 127.0.0.1 into dir and
// returns a pool that trusts the certificate.
func selfSigned(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "catchment test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

func TestServersOpeningOneNewStoreAtOnceMigrateItOnce(t *testing.T) {
	for round := range 10 {
		path := filepath.Join(t.TempDir(), "catchment.db")
		// An empty file already in WAL mode: switching a new file to WAL is
		// the opening's business, not the migration's.
		db, err := sql.Open("sqlite", path)
		require.NoError(t, err)
		for _, pragma := range []string{`PRAGMA page_size = 65536`, `PRAGMA journal_mode = WAL`} {
			_, err := db.Exec(pragma)
			require.NoError(t, err, pragma)
		}
		require.NoError(t, db.Close())
		errs := make(chan error, 4)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				st, err := store.Open(context.Background(), path)
				if err == nil {
					err = st.Close()
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err, "attempt %d", round)
		}
		db, err = sql.Open("sqlite", path)
		require.NoError(t, err)
		var rows, versions int
		require.NoError(t, db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&rows, &versions))
		require.NoError(t, db.Close())
		require.Equal(t, versions, rows, "each migration applied once")
		require.Equal(t, store.SchemaVersion(), versions)
	}
}

// cancelOnServing collects a server's log and cancels its context once it
// logs that it serves.
type cancelOnServing struct {
	syncBuffer
	cancel context.CancelFunc
}

func (c *cancelOnServing) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("msg=serving")) {
		defer c.cancel()
	}
	return c.syncBuffer.Write(p)
}

// serveOnce runs `catchment serve` with the flags until it serves, then
// stops it, and returns the exit status and the log.
func serveOnce(t *testing.T, tokensMode os.FileMode, args ...string) (int, string) {
	t.Helper()
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens.json")
	require.NoError(t, os.WriteFile(tokens, []byte(fmt.Sprintf(`{%q: "office"}`, e2eOffice)), 0o600))
	require.NoError(t, os.Chmod(tokens, tokensMode))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	log := &cancelOnServing{cancel: cancel}
	code := run(ctx, append([]string{"serve", "--store", filepath.Join(dir, "catchment.db"), "--tokens", tokens}, args...), io.Discard, log)
	return code, log.String()
}

func TestServeRefusesPlainTextOffLoopback(t *testing.T) {
	const refusal, warning = "refusing to serve bearer tokens without TLS", "serving without TLS on an address that is not loopback"
	cases := []struct {
		name string
		args []string
		code int
		says string // in the log; "" for neither the refusal nor the warning
	}{
		{"a public address without TLS is refused", []string{"--addr", "0.0.0.0:0"}, 2, refusal},
		{"every interface without TLS is refused", []string{"--addr", ":0"}, 2, refusal},
		{"a public map page without TLS is refused", []string{"--addr", "127.0.0.1:0", "--http-addr", "0.0.0.0:0"}, 2, refusal},
		{"a public address with --insecure-plaintext serves, with a warning", []string{"--addr", "0.0.0.0:0", "--insecure-plaintext"}, 0, warning},
		{"loopback serves without a warning", []string{"--addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, 0, ""},
		{"localhost serves without a warning", []string{"--addr", "localhost:0"}, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, log := serveOnce(t, 0o600, c.args...)
			require.Equal(t, c.code, code, log)
			if c.code == 0 {
				require.Contains(t, log, "msg=stopped")
			}
			if c.says != "" {
				require.Contains(t, log, c.says)
			} else {
				require.NotContains(t, log, refusal)
				require.NotContains(t, log, warning)
			}
		})
	}
}

func TestLoopbackAddresses(t *testing.T) {
	cases := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:50051", true}, {"127.8.0.1:50051", true}, {"[::1]:50051", true}, {"localhost:50051", true},
		{"0.0.0.0:50051", false}, {":50051", false}, {"[::]:50051", false}, {"10.0.0.7:50051", false},
		{"catchment.example:50051", false}, {"127.0.0.1", false},
	}
	for _, c := range cases {
		t.Run(c.addr, func(t *testing.T) {
			require.Equal(t, c.want, loopback(c.addr))
		})
	}
}

func TestServeWarnsOfATokensFileOthersMayRead(t *testing.T) {
	cases := []struct {
		name string
		mode os.FileMode
		warn bool
	}{
		{"a file only its owner reads", 0o600, false},
		{"a file the group reads", 0o640, true},
		{"a file everyone reads", 0o644, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, log := serveOnce(t, c.mode, "--addr", "127.0.0.1:0")
			require.Equal(t, 0, code, log)
			if c.warn {
				require.Contains(t, log, "the tokens file is readable by group or others")
			} else {
				require.NotContains(t, log, "tokens file is readable")
			}
		})
	}
}

func TestStopWaitsForHandlersBeforeTheStoreIsClosed(t *testing.T) {
	cases := []struct {
		name     string
		linger   time.Duration // how long the handler runs on after its call is cancelled
		wait     time.Duration
		returned bool
	}{
		{"a handler that returns soon after the cancel is waited for", 300 * time.Millisecond, 10 * time.Second, true},
		{"a handler that runs on too long is left behind", 5 * time.Second, 200 * time.Millisecond, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "catchment.db"))
			require.NoError(t, err)
			defer st.Close()
			tokens, err := server.ParseTokens([]byte(fmt.Sprintf(`{%q: "office"}`, e2eOffice)))
			require.NoError(t, err)
			gs := server.New(st, tokens, server.Config{}).GRPCServer()
			entered := make(chan struct{})
			var returned atomic.Bool
			gs.RegisterService(&grpc.ServiceDesc{ServiceName: "test.Slow", HandlerType: (*any)(nil), Methods: []grpc.MethodDesc{{
				MethodName: "Call",
				Handler: func(_ any, ctx context.Context, _ func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
					close(entered)
					<-ctx.Done()
					time.Sleep(c.linger) // still using the store, say
					returned.Store(true)
					return &emptypb.Empty{}, nil
				}}}}, struct{}{})
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			go gs.Serve(lis)
			conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
			require.NoError(t, err)
			defer conn.Close()
			go conn.Invoke(context.Background(), "/test.Slow/Call", &emptypb.Empty{}, &emptypb.Empty{})
			<-entered
			start := time.Now()
			stop(gs, c.wait, slog.New(slog.NewTextHandler(io.Discard, nil)))
			require.Equal(t, c.returned, returned.Load())
			require.Less(t, time.Since(start), c.wait+time.Second, "the wait is bounded")
		})
	}
}
