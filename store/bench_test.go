package store

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// BenchmarkCreateDataset stores an 80 MB file (the size of the demo
// city's applicants) with its audit entry into a new store.
func BenchmarkCreateDataset(b *testing.B) {
	data := make([]byte, 80<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		b.StopTimer()
		s, err := Open(context.Background(), filepath.Join(b.TempDir(), "catchment.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := s.CreateDataset(context.Background(), Actor{Role: "office", Subject: "bench"},
			NewDataset{Files: []FileData{{Role: "applicants", Name: "applicants.geojson", Data: data}}}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}
