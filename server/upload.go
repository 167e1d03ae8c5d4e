package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/catchment/catchment/geo"
	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/round"
	"github.com/catchment/catchment/store"
)

// maxLabelBytes limits a dataset label.
const maxLabelBytes = 200

// upload is a dataset as received, before validation.
type upload struct {
	label        string
	validateOnly bool
	files        map[string]*bytes.Buffer // by role name
	total        int64
}

// receive reads an upload stream to its end, refusing unknown roles,
// oversize chunks and a total beyond limit (bytes).
func receive(stream pb.DatasetService_UploadDatasetServer, limit int64) (*upload, error) {
	up := &upload{files: map[string]*bytes.Buffer{}}
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return up, nil
		}
		if err != nil {
			return nil, err
		}
		if err := up.add(msg, limit); err != nil {
			return nil, err
		}
	}
}

func (up *upload) add(msg *pb.UploadDatasetRequest, limit int64) error {
	if up.label == "" && msg.GetLabel() != "" {
		if len(msg.GetLabel()) > maxLabelBytes {
			return invalid("label", "longer than %d bytes", maxLabelBytes)
		}
		up.label = msg.GetLabel()
	}
	up.validateOnly = up.validateOnly || msg.GetValidateOnly()
	if len(msg.GetData()) == 0 {
		return nil
	}
	r, ok := roleOf(msg.GetRole())
	if !ok {
		return invalid("role", "each chunk needs a file role (FILE_ROLE_SCHOOLS, FILE_ROLE_APPLICANTS, ...), got %s", msg.GetRole())
	}
	if len(msg.GetData()) > MaxChunkBytes {
		return invalid("data", "chunk of %d bytes exceeds %d bytes", len(msg.GetData()), MaxChunkBytes)
	}
	up.total += int64(len(msg.GetData()))
	if up.total > limit {
		return invalid("data", "the dataset exceeds the upload limit of %d MiB", limit>>20)
	}
	if up.files[r.name] == nil {
		up.files[r.name] = &bytes.Buffer{}
	}
	up.files[r.name].Write(msg.GetData())
	return nil
}

// datasetStats are the counts kept with a dataset.
type datasetStats struct {
	Schools    int            `json:"schools"`
	Wards      int            `json:"wards"`
	Catchments int            `json:"catchments"`
	Applicants map[string]int `json:"applicants"` // by level code
}

// validate checks the upload with the engine's own loader (the checks of
// `catchment validate`) and returns the dataset to store. Problems in the
// data are INVALID_ARGUMENT with their locations.
func (up *upload) validate() (store.NewDataset, error) {
	nd := store.NewDataset{Label: up.label}
	in := round.Inputs{}
	var ps geo.Problems
	for _, r := range fileRoles {
		buf := up.files[r.name]
		if buf == nil {
			if r.round == round.RoleSchools || r.round == round.RoleApplicants {
				ps = append(ps, geo.Problem{File: r.file, Feature: geo.WholeFile, Msg: "required file missing from the upload"})
			}
			continue
		}
		nd.Files = append(nd.Files, store.FileData{Role: r.name, Name: r.file, Data: buf.Bytes()})
		if r.round != "" {
			in[r.round] = &round.Source{Path: r.file, Data: buf.Bytes()}
		} else if p := checkBaseLayer(r.file, buf.Bytes()); p != nil {
			ps = append(ps, *p)
		}
	}
	if len(ps) > 0 {
		return nd, invalidData(ps)
	}
	ds, err := round.Load(in)
	if err != nil {
		if found := geo.AsProblems(err); found != nil {
			return nd, invalidData(found)
		}
		return nd, invalid("policy.json", "%v", err) // the only input Load reads besides the located ones
	}
	nd.Stats, err = json.Marshal(statsOf(ds))
	return nd, err
}

func statsOf(ds *round.Dataset) datasetStats {
	st := datasetStats{Schools: len(ds.Schools), Wards: len(ds.Wards), Catchments: len(ds.Catchments), Applicants: map[string]int{}}
	for i := range ds.Applicants {
		st.Applicants[ds.Applicants[i].Level.String()]++
	}
	return st
}

// checkBaseLayer accepts a map base layer that is a GeoJSON
// FeatureCollection; the map page draws it as it is.
func checkBaseLayer(file string, data []byte) *geo.Problem {
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil || fc.Type != "FeatureCollection" {
		return &geo.Problem{File: file, Feature: geo.WholeFile, Msg: "not a GeoJSON FeatureCollection"}
	}
	return nil
}
