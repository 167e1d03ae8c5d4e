package maps

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/round"
	"github.com/catchment/catchment/seeds"
)

// cityDir holds the small generated city and its round, made once for the
// whole test binary and removed by TestMain.
var (
	cityOnce  sync.Once
	cityDir   string
	cityRound *round.Round
	cityErr   error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if cityDir != "" {
		os.RemoveAll(cityDir)
	}
	os.Exit(code)
}

// smallCity returns a real round of a small generated city: 12,000
// applicants, 60 schools per level group, 30 wards, with its river and
// roads.
func smallCity(t testing.TB) (string, *round.Round) {
	t.Helper()
	cityOnce.Do(func() {
		cityDir, cityErr = os.MkdirTemp("", "catchment-maps-city-")
		if cityErr != nil {
			return
		}
		cfg := seeds.Config{Seed: 2026, Year: 2026, Applicants: 12_000, SchoolsPerLevel: 60, Wards: 30}
		city, err := seeds.Generate(cfg, nil)
		if err != nil {
			cityErr = err
			return
		}
		if cityErr = city.WriteDir(cityDir, nil); cityErr != nil {
			return
		}
		in := round.Inputs{}
		for role, name := range map[round.Role]string{round.RoleSchools: "schools.geojson", round.RoleApplicants: "applicants.geojson",
			round.RoleWards: "wards.geojson", round.RolePolicy: "policy.json"} {
			if in[role], cityErr = round.ReadSource(filepath.Join(cityDir, name)); cityErr != nil {
				return
			}
		}
		cityRound, cityErr = round.Run(context.Background(), round.Request{Inputs: in, Year: 2026, Seed: "maps-test", Mode: allocator.Stable})
	})
	if cityErr != nil {
		t.Fatalf("small city: %v", cityErr)
	}
	return cityDir, cityRound
}

// Tokens of the test source.
const (
	officeToken  = "office-secret"
	auditorToken = "auditor-secret"
	wardToken    = "ward-secret"
)

// testSource is a Source over one round of the small city, with three
// tokens (office, auditor, and an official of the ward with the most
// schools), recording approvals in memory.
type testSource struct {
	mu        sync.Mutex
	id        string
	data      *RoundData
	viewers   map[string]Viewer
	approvals []Approval
	rounds    int // calls of Round
}

func newTestSource(t testing.TB) *testSource {
	t.Helper()
	dir, rd := smallCity(t)
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	boundary, err := DecodeBoundary(read("boundary.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	levels := []string{}
	for _, l := range rd.Result.Levels {
		levels = append(levels, l.String())
	}
	s := &testSource{id: "2026-test", data: &RoundData{
		Info:   RoundInfo{ID: "2026-test", Year: 2026, Mode: "stable", Levels: levels, Published: true},
		Result: rd.Result, Wards: rd.Dataset.Wards, Boundary: boundary, Rivers: read("rivers.geojson"), Roads: read("roads.geojson"),
	}}
	s.viewers = map[string]Viewer{
		officeToken:  {Role: "office", Name: "admissions-office"},
		auditorToken: {Role: "auditor", Name: "auditor"},
		wardToken:    {Role: "ward", Ward: busiestWard(rd), Name: "ward-official"},
	}
	return s
}

// busiestWard returns the ward with the most grade 1 schools.
func busiestWard(rd *round.Round) string {
	count := map[string]int{}
	for _, o := range rd.Result.Offers {
		if o.Level.String() == "grade1" {
			count[rd.Result.Schools[o.School].Ward]++
		}
	}
	best := ""
	for _, w := range rd.Dataset.Wards {
		if count[w.Code] > count[best] || best == "" {
			best = w.Code
		}
	}
	return best
}

// otherWard returns a ward with grade 1 schools other than code.
func otherWard(rd *round.Round, code string) string {
	var wards []string
	for _, o := range rd.Result.Offers {
		if w := rd.Result.Schools[o.School].Ward; o.Level.String() == "grade1" && w != code {
			wards = append(wards, w)
		}
	}
	slices.Sort(wards)
	return wards[0]
}

func (s *testSource) Authenticate(r *http.Request) (Viewer, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	v, known := s.viewers[tok]
	if !ok || !known {
		return Viewer{}, ErrUnauthenticated
	}
	return v, nil
}

func (s *testSource) Rounds(context.Context, Viewer) ([]RoundInfo, error) {
	return []RoundInfo{s.data.Info}, nil
}

func (s *testSource) Round(_ context.Context, _ Viewer, id string) (*RoundData, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rounds++
	if id != s.id {
		return nil, fmt.Errorf("round %q: %w", id, ErrNotFound)
	}
	return s.data, nil
}

func (s *testSource) Approve(_ context.Context, v Viewer, a Approval) error {
	if v.Role == "auditor" || v.Role == "ward" && v.Ward != a.Ward {
		return ErrForbidden
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.approvals = append(s.approvals, a)
	return nil
}

func (s *testSource) Approvals(_ context.Context, _ Viewer, id string) ([]Approval, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Approval
	for _, a := range s.approvals {
		if a.RoundID == id {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *testSource) recorded() []Approval {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.approvals)
}
