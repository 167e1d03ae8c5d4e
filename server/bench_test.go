package server

import (
	"context"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/catchment/catchment/geo"
	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/seeds"
	"github.com/catchment/catchment/store"
	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// The benchmarks run on the full demo city (seeds.DefaultConfig: 400,000
// applicants), generated once into a temporary directory, over real
// loopback TCP.

var (
	demoOnce  sync.Once
	demoFiles map[pb.FileRole][]byte
	demoErr   error
)

func demoCity(b *testing.B) map[pb.FileRole][]byte {
	b.Helper()
	demoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "catchment-demo-")
		if err != nil {
			demoErr = err
			return
		}
		defer os.RemoveAll(dir)
		if demoErr = writeCity(dir, seeds.DefaultConfig()); demoErr != nil {
			return
		}
		demoFiles = map[pb.FileRole][]byte{}
		for role, name := range cityRoles {
			if demoFiles[role], demoErr = os.ReadFile(filepath.Join(dir, name)); demoErr != nil {
				return
			}
		}
	})
	require.NoError(b, demoErr)
	return demoFiles
}

// tcpServer serves a fresh store on a loopback port and returns a client
// connection factory.
func tcpServer(b *testing.B) (*harness, func() *grpc.ClientConn) {
	b.Helper()
	st := newBenchHarness(b)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	gs := st.srv.GRPCServer()
	go gs.Serve(lis)
	b.Cleanup(gs.Stop)
	dial := func() *grpc.ClientConn {
		conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(MaxMessageBytes)))
		require.NoError(b, err)
		b.Cleanup(func() { conn.Close() })
		return conn
	}
	st.conn = dial()
	st.datasets, st.rounds = pb.NewDatasetServiceClient(st.conn), pb.NewRoundServiceClient(st.conn)
	st.places, st.audit = pb.NewCatchmentServiceClient(st.conn), pb.NewAuditServiceClient(st.conn)
	return st, dial
}

// newBenchHarness is a harness without a bufconn client; tcpServer adds a
// TCP one.
func newBenchHarness(b *testing.B) *harness {
	b.Helper()
	h := &harness{t: b, path: filepath.Join(b.TempDir(), "catchment.db")}
	var err error
	h.st, err = store.Open(context.Background(), h.path)
	require.NoError(b, err)
	b.Cleanup(func() { h.st.Close() })
	tokens, err := ParseTokens([]byte(`{"` + tokOffice + `": "office"}`))
	require.NoError(b, err)
	h.srv = New(h.st, tokens, Config{})
	return h
}

// BenchmarkUploadDemoCity uploads the demo city's seven files (about 80
// MB) in 1 MiB chunks over loopback; the server validates them with the
// engine's loader and stores them. One iteration is one upload into a new
// store.
func BenchmarkUploadDemoCity(b *testing.B) {
	files := demoCity(b)
	var total int
	for _, f := range files {
		total += len(f)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		h, _ := tcpServer(b)
		b.StartTimer()
		start := time.Now()
		resp, err := h.uploadFiles(as(tokOffice), files, 1<<20, false)
		elapsed += time.Since(start)
		require.NoError(b, err)
		require.True(b, resp.GetStored())
	}
	b.ReportMetric(elapsed.Seconds()/float64(b.N), "s/upload")
}

// lookupRate and lookupClients are the load of BenchmarkLookup.
const (
	lookupRate    = 5000 // requests per second, paced
	lookupClients = 64   // concurrent clients, one connection each
)

// BenchmarkLookup sends address lookups from 64 clients, each on its own
// connection, at a paced 5,000 requests per second in total, against the
// published demo-city round over loopback TCP. One iteration is one
// second of load. A request is charged from its scheduled time when the
// client was still waiting for its previous answer then (a server that
// falls behind pays for the queueing), else from when it was sent: a
// sleeping goroutine wakes up to a millisecond late on an idle machine
// (the runtime's poller waits in whole milliseconds), which is the load
// generator's delay, not the server's. The sched metrics charge every
// request from its scheduled time, delay included.
func BenchmarkLookup(b *testing.B) {
	files := demoCity(b)
	h, dial := tcpServer(b)
	resp, err := h.uploadFiles(as(tokOffice), files, 1<<20, false)
	require.NoError(b, err)
	off := false // the stable round only: lookups do not need the comparison
	_, r, err := h.runRound(as(tokOffice), &pb.RunRoundRequest{DatasetId: resp.GetDataset().GetId(), Year: 2026, Seed: "demo-2026", Compare: &off})
	require.NoError(b, err)
	_, err = h.rounds.PublishRound(as(tokOffice), &pb.PublishRoundRequest{RoundId: r.GetId()})
	require.NoError(b, err)
	points := benchPoints(b, files[pb.FileRole_FILE_ROLE_APPLICANTS], 20_000)
	clients := make([]pb.CatchmentServiceClient, lookupClients)
	for i := range clients {
		clients[i] = pb.NewCatchmentServiceClient(dial())
		_, err := clients[i].LookupAddress(as(tokOffice), points[i]) // connect and warm up
		require.NoError(b, err)
	}
	runtime.GC() // the round's garbage is not the lookups' cost
	b.ResetTimer()
	lat, sched := paceLookups(b, clients, points, b.N*lookupRate)
	b.StopTimer()
	for _, m := range []struct {
		name string
		d    []time.Duration
	}{{"", lat}, {"sched-", sched}} {
		slices.Sort(m.d)
		ms := func(q float64) float64 { return m.d[int(q*float64(len(m.d)-1))].Seconds() * 1000 }
		b.ReportMetric(ms(0.50), "p50-"+m.name+"ms")
		b.ReportMetric(ms(0.99), "p99-"+m.name+"ms")
		b.ReportMetric(ms(0.999), "p99.9-"+m.name+"ms")
		b.ReportMetric(ms(1), "max-"+m.name+"ms")
	}
	b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "req/s")
}

// paceLookups sends n lookups, request k scheduled at k/lookupRate
// seconds, and returns each one's latency as BenchmarkLookup charges it,
// and from its scheduled time.
func paceLookups(b *testing.B, clients []pb.CatchmentServiceClient, points []*pb.LookupAddressRequest, n int) (lat, sched []time.Duration) {
	lat, sched = make([]time.Duration, n), make([]time.Duration, n)
	start := time.Now()
	var wg sync.WaitGroup
	for c, client := range clients {
		wg.Go(func() {
			ctx := as(tokOffice)
			for k := c; k < n; k += len(clients) {
				at := start.Add(time.Duration(k) * time.Second / lookupRate)
				from := at
				if wait := time.Until(at); wait > 0 {
					time.Sleep(wait)
					from = time.Now()
				}
				if _, err := client.LookupAddress(ctx, points[k%len(points)]); err != nil {
					b.Error(err)
					return
				}
				lat[k], sched[k] = time.Since(from), time.Since(at)
			}
		})
	}
	wg.Wait()
	return lat, sched
}

// benchPoints returns n lookups near applicants' homes, over every level,
// from a fixed seed.
func benchPoints(b *testing.B, applicants []byte, n int) []*pb.LookupAddressRequest {
	apps, err := geo.DecodeApplicants("applicants.geojson", applicants)
	require.NoError(b, err)
	rng := rand.New(rand.NewPCG(5, 7))
	out := make([]*pb.LookupAddressRequest, n)
	for i := range out {
		a := apps[rng.IntN(len(apps))]
		pt := orb.Point{a.Loc.Lon() + (rng.Float64()-0.5)*0.004, a.Loc.Lat() + (rng.Float64()-0.5)*0.004}
		out[i] = &pb.LookupAddressRequest{Longitude: pt.Lon(), Latitude: pt.Lat(), Level: toPBLevel(a.Level)}
	}
	return out
}
