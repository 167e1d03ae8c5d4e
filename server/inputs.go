package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/catchment/catchment/round"
	"github.com/catchment/catchment/store"
)

// fileRole describes one role of a dataset file.
type fileRole struct {
	name  string     // role name in the store and the manifest, e.g. "schools"
	file  string     // file name in problems and manifests, e.g. "schools.geojson"
	round round.Role // the round input it is, "" for a base layer
}

// The dataset roles, in upload order: the round inputs, then the map
// page's base layers.
var fileRoles = []fileRole{
	{"schools", "schools.geojson", round.RoleSchools},
	{"applicants", "applicants.geojson", round.RoleApplicants},
	{"wards", "wards.geojson", round.RoleWards},
	{"catchments", "catchments.geojson", round.RoleCatchments},
	{"policy", "policy.json", round.RolePolicy},
	{"boundary", "boundary.geojson", ""},
	{"rivers", "rivers.geojson", ""},
	{"roads", "roads.geojson", ""},
}

func roleByName(name string) (fileRole, bool) {
	for _, r := range fileRoles {
		if r.name == name {
			return r, true
		}
	}
	return fileRole{}, false
}

// datasetRef is how a manifest refers to a dataset's file:
// "dataset:<id>/<file>". It stays valid wherever the store is.
func datasetRef(id string, r fileRole) string { return "dataset:" + id + "/" + r.file }

// requestPolicyRef is how a manifest refers to a policy given with the
// run request; its bytes are stored by SHA-256 with the round.
const requestPolicyRef = "request:policy.json"

// roundInputs reads a dataset's round inputs from the store; policy, when
// not nil, replaces the dataset's policy file.
func (s *Server) roundInputs(ctx context.Context, ds *store.Dataset, policy []byte) (round.Inputs, error) {
	in := round.Inputs{}
	for _, f := range ds.Files {
		r, ok := roleByName(f.Role)
		if !ok || r.round == "" {
			continue
		}
		data, err := s.store.Blob(ctx, f.SHA256)
		if err != nil {
			return nil, err
		}
		in[r.round] = &round.Source{Path: r.file, ManifestPath: datasetRef(ds.ID, r), Data: data}
	}
	if policy != nil {
		in[round.RolePolicy] = &round.Source{Path: "policy.json", ManifestPath: requestPolicyRef, Data: policy}
	}
	return in, nil
}

// resolver returns the bytes of a manifest's inputs from the store: a
// dataset file by its reference, a request policy by its SHA-256.
// round.Rerun checks every hash.
func (s *Server) resolver(ctx context.Context) round.Resolver {
	return func(ref round.FileRef) (string, []byte, error) {
		if ref.Path == requestPolicyRef {
			data, err := s.store.Blob(ctx, ref.SHA256)
			return "policy.json", data, err
		}
		rest, ok := strings.CutPrefix(ref.Path, "dataset:")
		id, file, ok2 := strings.Cut(rest, "/")
		if !ok || !ok2 {
			return ref.Path, nil, fmt.Errorf("server: manifest input %q is not a stored dataset file", ref.Path)
		}
		data, err := s.store.DatasetFile(ctx, id, string(ref.Role))
		return file, data, err
	}
}

// loadRound re-runs a stored round from its manifest and serves it only if
// every output matches both the stored bytes and the SHA-256 recorded for
// them.
func (s *Server) loadRound(ctx context.Context, id string) (*round.Round, error) {
	meta, err := s.store.Round(ctx, id)
	if err != nil {
		return nil, err
	}
	m, err := s.manifest(ctx, id)
	if err != nil {
		return nil, err
	}
	rd, err := round.Rerun(ctx, m, s.resolver(ctx), nil, nil)
	if err != nil {
		return nil, err
	}
	recorded := map[string]string{}
	for _, f := range meta.Files {
		recorded[f.Name] = f.SHA256
	}
	for _, f := range rd.Files {
		stored, err := s.store.RoundFile(ctx, id, f.Name)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(stored, f.Data) || recorded[f.Name] != store.SHA256Hex(f.Data) {
			return nil, fmt.Errorf("%w: round %s, %s", ErrOutputsDiffer, id, f.Name)
		}
	}
	s.log.Info("round loaded from the store and verified", "round", id)
	return rd, nil
}

// manifest reads a stored round's manifest.
func (s *Server) manifest(ctx context.Context, id string) (*round.Manifest, error) {
	data, err := s.store.RoundFile(ctx, id, round.FileManifest)
	if err != nil {
		return nil, err
	}
	var m round.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("server: round %s: manifest: %w", id, err)
	}
	if m.Format != round.ManifestFormat {
		return nil, fmt.Errorf("server: round %s: manifest format %d, this engine reads format %d", id, m.Format, round.ManifestFormat)
	}
	return &m, nil
}
