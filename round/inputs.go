// Package round runs one allocation round end to end: it decodes and
// validates the input files, runs the allocator, renders the output files
// and the manifest, writes them atomically, and replays a published round
// to verify it byte for byte.
package round

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"

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

// Load decodes and validates every input and lists every problem at once:
// those of each file, a policy that does not parse, and the references
// between files (preferences naming unknown schools, catchments of unknown
// schools, priority groups the policy does not list), checked on every
// feature that decoded, even when its file has other problems. A reference
// is not checked against a file that could not be split into features, nor
// priority groups against a policy that does not parse. The problems come
// in role order (schools, applicants, wards, catchments, policy), then
// feature order. The error is a geo.Problems when the data is at fault.
func Load(in Inputs) (*Dataset, error) {
	for _, r := range []Role{RoleSchools, RoleApplicants} {
		if in[r] == nil {
			return nil, fmt.Errorf("round: the %s file is required", r)
		}
	}
	ds := &Dataset{Policy: allocator.DefaultPolicy()}
	ps := make(map[Role]geo.Problems, len(Roles))
	policyOK := true
	if p := in[RolePolicy]; p != nil {
		pol, err := allocator.ParsePolicy(p.Data)
		if err != nil {
			ps[RolePolicy], policyOK = policyProblems(p.Path, err), false
		} else {
			ds.Policy = pol
		}
	}
	schools, apps, cats := in[RoleSchools], in[RoleApplicants], in[RoleCatchments]
	ds.Schools, ps[RoleSchools] = geo.DecodeSchoolsPartial(schools.Path, schools.Data)
	ds.Applicants, ps[RoleApplicants] = geo.DecodeApplicantsPartial(apps.Path, apps.Data)
	if w := in[RoleWards]; w != nil {
		var err error
		ds.Wards, err = geo.DecodeWards(w.Path, w.Data)
		ps[RoleWards] = geo.AsProblems(err)
	}
	if cats != nil {
		ds.Catchments, ps[RoleCatchments] = geo.DecodeCatchmentsPartial(cats.Path, cats.Data)
	}
	if ds.Schools != nil {
		ps[RoleApplicants] = append(ps[RoleApplicants], geo.CheckReferences(apps.Path, ds.Applicants, ds.Schools, "", nil)...)
		if cats != nil {
			ps[RoleCatchments] = append(ps[RoleCatchments], geo.CheckReferences("", nil, ds.Schools, cats.Path, ds.Catchments)...)
		}
	}
	if policyOK {
		ps[RoleApplicants] = append(ps[RoleApplicants], ds.Policy.CheckApplicants(apps.Path, ds.Applicants)...)
	}
	var all geo.Problems
	for _, r := range Roles {
		// Stable: within a feature, its own problems stay before those
		// found across files.
		slices.SortStableFunc(ps[r], func(a, b geo.Problem) int { return cmp.Compare(a.Feature, b.Feature) })
		all = append(all, ps[r]...)
	}
	if len(all) > 0 {
		return nil, all
	}
	return ds, nil
}

// policyProblems locates each policy defect in its file; the message names
// the key at fault.
func policyProblems(path string, err error) geo.Problems {
	errs := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	ps := make(geo.Problems, len(errs))
	for i, err := range errs {
		ps[i] = geo.Problem{File: path, Feature: geo.WholeFile, Msg: err.Error()}
		var pe *allocator.PolicyError
		if errors.As(err, &pe) {
			ps[i].Msg = pe.Msg
			if pe.Key != "" {
				ps[i].Msg = fmt.Sprintf("key %q: %s", pe.Key, pe.Msg)
			}
		}
	}
	return ps
}
