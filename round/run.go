package round

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
)

// Version is the engine version written into every manifest.
const Version = "0.1.0"

// Engine names the engine and its version in manifests and summaries.
const Engine = "catchment " + Version

// ManifestFormat is the version of the manifest layout.
const ManifestFormat = 1

// Request describes one round.
type Request struct {
	Inputs Inputs
	Year   int    // calendar year the school year starts
	Seed   string // lottery seed
	Mode   allocator.Mode
	Levels []geo.Level // nil: every level
	// Compare also runs the other mode and reports the price of stability
	// in the summary.
	Compare  bool
	Progress allocator.Progress
}

// File is one output file of a round.
type File struct {
	Name string
	Data []byte
}

// Round is a completed round held in memory.
type Round struct {
	Manifest Manifest
	Summary  Summary
	Result   *allocator.Result
	Dataset  *Dataset
	Files    []File // assignments.csv, manifest.json, schools.csv, summary.json
}

// File returns the output file of that name, or nil.
func (rd *Round) File(name string) []byte {
	for _, f := range rd.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

// Manifest is manifest.json: everything needed to replay the round and
// verify its outputs.
type Manifest struct {
	Format  int              `json:"format"`
	Engine  string           `json:"engine"`
	Mode    allocator.Mode   `json:"mode"`
	Year    int              `json:"year"`
	Seed    string           `json:"seed"`
	Levels  []string         `json:"levels"`
	Compare bool             `json:"compare"`
	Policy  allocator.Policy `json:"policy"`
	Inputs  []FileRef        `json:"inputs"`
	Outputs []FileRef        `json:"outputs"`
}

// FileRef records one file of a round by its SHA-256. Inputs have a Role
// and a Path (relative paths are relative to the round directory); outputs
// have a Name.
type FileRef struct {
	Role   Role   `json:"role,omitempty"`
	Name   string `json:"name,omitempty"`
	Path   string `json:"path,omitempty"`
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
}

// Run loads the inputs, allocates, and renders every output file. Nothing
// is written to disk; see WriteDir.
func Run(ctx context.Context, req Request) (*Round, error) {
	if req.Mode == "" {
		req.Mode = allocator.Stable
	}
	req.Progress.Report("load inputs", 0, 1)
	ds, err := Load(req.Inputs)
	if err != nil {
		return nil, err
	}
	req.Progress.Report("load inputs", 1, 1)
	res, err := allocator.Allocate(ctx, allocator.Input{Year: req.Year, Seed: req.Seed, Mode: req.Mode, Policy: ds.Policy,
		Levels: req.Levels, Schools: ds.Schools, Applicants: ds.Applicants, Catchments: ds.Catchments, Compare: req.Compare,
		Progress: req.Progress})
	if err != nil {
		return nil, err
	}
	req.Progress.Report("render outputs", 0, 1)
	defer req.Progress.Report("render outputs", 1, 1)
	rd := &Round{Result: res, Dataset: ds}
	var assignments []byte
	rendered := make(chan struct{})
	go func() {
		defer close(rendered)
		assignments = renderAssignments(res)
	}()
	rd.Summary = summarise(res, ds.Wards, Engine)
	summary, err := marshalFile(rd.Summary)
	<-rendered
	if err != nil {
		return nil, err
	}
	rd.Files = []File{
		{FileAssignments, assignments},
		{FileSchools, renderSchools(res)},
		{FileSummary, summary},
	}
	rd.Manifest = newManifest(req, res, rd.Files)
	manifest, err := marshalFile(rd.Manifest)
	if err != nil {
		return nil, err
	}
	rd.Files = append(rd.Files, File{FileManifest, manifest})
	slices.SortFunc(rd.Files, func(a, b File) int { return bytes.Compare([]byte(a.Name), []byte(b.Name)) })
	return rd, nil
}

func newManifest(req Request, res *allocator.Result, outputs []File) Manifest {
	m := Manifest{Format: ManifestFormat, Engine: Engine, Mode: res.Mode, Year: res.Year, Seed: res.Seed, Compare: req.Compare, Policy: res.Policy}
	for _, l := range res.Levels {
		m.Levels = append(m.Levels, l.String())
	}
	for _, role := range Roles {
		if src := req.Inputs[role]; src != nil {
			m.Inputs = append(m.Inputs, FileRef{Role: role, Path: src.Ref(), SHA256: src.SHA256(), Bytes: len(src.Data)})
		}
	}
	for _, f := range outputs {
		m.Outputs = append(m.Outputs, FileRef{Name: f.Name, SHA256: sha256Hex(f.Data), Bytes: len(f.Data)})
	}
	slices.SortFunc(m.Outputs, func(a, b FileRef) int { return bytes.Compare([]byte(a.Name), []byte(b.Name)) })
	return m
}

// marshalFile renders v as indented JSON ending with a newline.
func marshalFile(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("round: %w", err)
	}
	return append(b, '\n'), nil
}
