package server

import (
	"bytes"
	"context"
	"maps"
	"testing"

	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/store"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// withFile returns the test city with one file replaced (nil removes it).
func withFile(role pb.FileRole, data []byte) map[pb.FileRole][]byte {
	files := maps.Clone(cityFiles)
	if data == nil {
		delete(files, role)
	} else {
		files[role] = data
	}
	return files
}

// violations returns the BadRequest field violations of an error.
func violations(t *testing.T, err error) []*errdetails.BadRequest_FieldViolation {
	t.Helper()
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			return br.GetFieldViolations()
		}
	}
	t.Fatalf("no BadRequest details in %v", err)
	return nil
}

func TestBadUploadsAreInvalidArgumentsWithLocatedProblems(t *testing.T) {
	apps := cityFiles[pb.FileRole_FILE_ROLE_APPLICANTS]
	wrongLevel := bytes.Replace(apps, []byte(`"level":"preschool3"`), []byte(`"level":"grade2"`), 1)
	require.NotEqual(t, apps, wrongLevel)
	cases := []struct {
		name   string
		files  map[pb.FileRole][]byte
		limit  int64
		says   string // in the status message
		field  string // the first violation's field
		detail string // in the first violation's description
	}{
		{"malformed GeoJSON", withFile(pb.FileRole_FILE_ROLE_SCHOOLS, []byte(`{"type":"FeatureCollection","features":[{"type":`)), 0,
			"schools.geojson: feature 0", "schools.geojson/features/0", "schools.geojson: feature 0"},
		{"an applicant of a level that does not exist", withFile(pb.FileRole_FILE_ROLE_APPLICANTS, wrongLevel), 0,
			`applicants.geojson: feature 0 (id "`, "applicants.geojson/features/0/properties/level", `property "level"`},
		{"a dataset over the upload limit", cityFiles, 64 << 10, "exceeds the upload limit", "data", "exceeds the upload limit"},
		{"no applicants file", withFile(pb.FileRole_FILE_ROLE_APPLICANTS, nil), 0,
			"applicants.geojson: required file missing", "applicants.geojson", "required file missing"},
		{"a chunk without a role", withFile(pb.FileRole_FILE_ROLE_UNSPECIFIED, []byte("x")), 0, "each chunk needs a file role", "role", "FILE_ROLE_SCHOOLS"},
		{"a policy with an unknown key", withFile(pb.FileRole_FILE_ROLE_POLICY, []byte(`{"class_size": {}}`)), 0, "policy", "policy.json", "class_size"},
		{"a base layer that is not GeoJSON", withFile(pb.FileRole_FILE_ROLE_RIVERS, []byte(`[]`)), 0,
			"rivers.geojson: not a GeoJSON FeatureCollection", "rivers.geojson", "not a GeoJSON FeatureCollection"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, Config{MaxUploadBytes: c.limit})
			_, err := h.uploadFiles(as(tokOffice), c.files, 32<<10, false)
			requireCode(t, codes.InvalidArgument, err)
			require.Contains(t, status.Convert(err).Message(), c.says)
			v := violations(t, err)
			require.Equal(t, c.field, v[0].GetField())
			require.Contains(t, v[0].GetDescription(), c.detail)
			all, err := h.st.Datasets(context.Background())
			require.NoError(t, err)
			require.Empty(t, all, "nothing is stored")
			head, err := h.st.AuditHead(context.Background())
			require.NoError(t, err)
			require.Zero(t, head.Seq, "nothing is logged")
		})
	}
}

func TestAMessageOverTheSizeLimitIsRefusedByTheTransport(t *testing.T) {
	h := newHarness(t, Config{})
	big := bytes.Repeat([]byte(" "), MaxMessageBytes+1)
	_, err := h.uploadFiles(as(tokOffice), map[pb.FileRole][]byte{pb.FileRole_FILE_ROLE_SCHOOLS: big}, len(big), false)
	requireCode(t, codes.ResourceExhausted, err)
}

func TestAnUploadIsValidatedStoredAndReadBackByteForByte(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := as(tokOffice)
	resp, err := h.uploadFiles(ctx, cityFiles, 100_000, false)
	require.NoError(t, err)
	ds := resp.GetDataset()
	require.True(t, resp.GetStored())
	require.Equal(t, "d1", ds.GetId())
	require.Equal(t, "test city", ds.GetLabel())
	require.EqualValues(t, cityConfig.Wards, ds.GetWards())
	total := 0
	for _, lc := range ds.GetApplicants() {
		total += int(lc.GetCount())
	}
	require.Equal(t, cityConfig.Applicants, total)
	require.Len(t, ds.GetFiles(), len(cityFiles))
	for _, f := range ds.GetFiles() {
		require.Equal(t, store.SHA256Hex(cityFiles[f.GetRole()]), f.GetSha256(), f.GetName())
		stream, err := h.datasets.DownloadDatasetFile(ctx, &pb.DownloadDatasetFileRequest{DatasetId: "d1", Role: f.GetRole()})
		require.NoError(t, err)
		got, err := drain(stream.Recv)
		require.NoError(t, err)
		require.Equal(t, cityFiles[f.GetRole()], got, f.GetName())
	}
	entries, err := h.audit.ListAuditEntries(ctx, &pb.ListAuditEntriesRequest{})
	require.NoError(t, err)
	require.Len(t, entries.GetEntries(), 1)
	e := entries.GetEntries()[0]
	require.Equal(t, "dataset.upload", e.GetAction())
	require.Equal(t, "d1", e.GetObject())
	require.Equal(t, "office", e.GetRole())
	require.Equal(t, Label(tokOffice), e.GetSubject())
	require.Contains(t, e.GetDetails(), store.SHA256Hex(cityFiles[pb.FileRole_FILE_ROLE_APPLICANTS]))
	require.NotContains(t, e.GetDetails(), tokOffice)
}

func TestValidateOnlyStoresNothing(t *testing.T) {
	h := newHarness(t, Config{})
	resp, err := h.uploadFiles(as(tokOffice), cityFiles, 1<<20, true)
	require.NoError(t, err)
	require.False(t, resp.GetStored())
	require.Empty(t, resp.GetDataset().GetId())
	require.EqualValues(t, cityConfig.Wards, resp.GetDataset().GetWards())
	list, err := h.datasets.ListDatasets(as(tokOffice), &pb.ListDatasetsRequest{})
	require.NoError(t, err)
	require.Empty(t, list.GetDatasets())
}

func TestUnknownDatasetsAndRolesAreReported(t *testing.T) {
	h := newHarness(t, Config{})
	id := h.upload()
	_, err := h.datasets.GetDataset(as(tokOffice), &pb.GetDatasetRequest{DatasetId: "d99"})
	requireCode(t, codes.NotFound, err)
	stream, err := h.datasets.DownloadDatasetFile(as(tokOffice), &pb.DownloadDatasetFileRequest{DatasetId: id, Role: pb.FileRole_FILE_ROLE_CATCHMENTS})
	require.NoError(t, err)
	_, err = drain(stream.Recv)
	requireCode(t, codes.NotFound, err)
	_, _, err = h.runRound(as(tokOffice), &pb.RunRoundRequest{DatasetId: "d99", Year: 2026, Seed: "s"})
	requireCode(t, codes.NotFound, err)
}
