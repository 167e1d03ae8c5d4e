// Package round runs one allocation round end to end: it decodes and
// validates the input files, runs the allocator, renders the output files
// and the manifest, writes them atomically, and replays a published round
// to verify it byte for byte.
package round

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
)

// Role names an input file of a round.
type Role string

// The input roles, in manifest order.
const (
	RoleSchools    Role = "schools"
	RoleApplicants Role = "applicants"
	RoleWards      Role = "wards"
	RoleCatchments Role = "catchments"
	RolePolicy     Role = "policy"
)

// Roles lists every input role in manifest order.
var Roles = []Role{RoleSchools, RoleApplicants, RoleWards, RoleCatchments, RolePolicy}

// Source is one input file: its bytes, the path it was read from (named in
// problems), and how the manifest refers to it.
type Source struct {
	Path string // where the bytes were read from, as the user gave it
	// ManifestPath is the reference recorded in the manifest: a path
	// relative to the round directory, or a dataset reference. Empty means
	// Path.
	ManifestPath string
	Data         []byte
}

// Ref returns the reference the manifest records for the source.
func (s *Source) Ref() string {
	if s.ManifestPath != "" {
		return s.ManifestPath
	}
	return s.Path
}

// SHA256 returns the hex SHA-256 of the source's bytes.
func (s *Source) SHA256() string { return sha256Hex(s.Data) }

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ReadSource reads a file into a Source whose Path is path as given.
func ReadSource(path string) (*Source, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("round: %w", err)
	}
	return &Source{Path: path, Data: data}, nil
}

// Inputs holds the input files of a round by role; Schools and Applicants
// are required, the others optional (nil).
type Inputs map[Role]*Source

// Dataset is the decoded, validated content of Inputs.
type Dataset struct {
	Schools    []geo.School
	Applicants []geo.Applicant
	Wards      []geo.Ward
	Catchments []geo.Catchment
	Policy     allocator.Policy
}

// Load decodes and validates every input, collecting the problems of all
// files, and checks references between files: preferences naming unknown
// schools, catchments of unknown schools, priority groups the policy does
// not list. The error is a geo.Problems when the data is at fault.
func Load(in Inputs) (*Dataset, error) {
	for _, r := range []Role{RoleSchools, RoleApplicants} {
		if in[r] == nil {
			return nil, fmt.Errorf("round: the %s file is required", r)
		}
	}
	ds := &Dataset{Policy: allocator.DefaultPolicy()}
	if p := in[RolePolicy]; p != nil {
		pol, err := allocator.ParsePolicy(p.Data)
		if err != nil {
			return nil, fmt.Errorf("round: %s: %w", p.Path, err)
		}
		ds.Policy = pol
	}
	var ps geo.Problems
	collect := func(err error) {
		if err == nil {
			return
		}
		if found := geo.AsProblems(err); found != nil {
			ps = append(ps, found...)
		} else {
			ps = append(ps, geo.Problem{Feature: geo.WholeFile, Msg: err.Error()})
		}
	}
	var err error
	ds.Schools, err = geo.DecodeSchools(in[RoleSchools].Path, in[RoleSchools].Data)
	collect(err)
	ds.Applicants, err = geo.DecodeApplicants(in[RoleApplicants].Path, in[RoleApplicants].Data)
	collect(err)
	if w := in[RoleWards]; w != nil {
		ds.Wards, err = geo.DecodeWards(w.Path, w.Data)
		collect(err)
	}
	if c := in[RoleCatchments]; c != nil {
		ds.Catchments, err = geo.DecodeCatchments(c.Path, c.Data)
		collect(err)
	}
	if len(ps) == 0 {
		ps = append(ps, geo.CheckReferences(in[RoleApplicants].Path, ds.Applicants, ds.Schools, pathOf(in[RoleCatchments]), ds.Catchments)...)
		ps = append(ps, ds.Policy.CheckApplicants(in[RoleApplicants].Path, ds.Applicants)...)
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return ds, nil
}

func pathOf(s *Source) string {
	if s == nil {
		return ""
	}
	return s.Path
}
