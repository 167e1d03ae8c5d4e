package server

import (
	"context"

	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/store"
)

// datasetService implements catchment.v1.DatasetService.
type datasetService struct {
	pb.UnimplementedDatasetServiceServer
	s *Server
}

// UploadDataset receives, validates and stores a dataset.
func (d *datasetService) UploadDataset(stream pb.DatasetService_UploadDatasetServer) error {
	ctx := stream.Context()
	p, err := principalOf(ctx)
	if err != nil {
		return err
	}
	up, err := receive(stream, d.s.cfg.MaxUploadBytes)
	if err != nil {
		return err
	}
	nd, err := up.validate()
	if err != nil {
		return err
	}
	if up.validateOnly {
		preview := &store.Dataset{Label: nd.Label, Stats: nd.Stats}
		for _, f := range nd.Files {
			preview.Files = append(preview.Files, store.File{Role: f.Role, Name: f.Name, SHA256: store.SHA256Hex(f.Data), Size: int64(len(f.Data))})
		}
		return stream.SendAndClose(&pb.UploadDatasetResponse{Dataset: toPBDataset(preview)})
	}
	ds, err := d.s.store.CreateDataset(ctx, p.actor(), nd)
	if err != nil {
		return err
	}
	return stream.SendAndClose(&pb.UploadDatasetResponse{Dataset: toPBDataset(ds), Stored: true})
}

// GetDataset returns one dataset.
func (d *datasetService) GetDataset(ctx context.Context, req *pb.GetDatasetRequest) (*pb.GetDatasetResponse, error) {
	ds, err := d.s.store.Dataset(ctx, req.GetDatasetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetDatasetResponse{Dataset: toPBDataset(ds)}, nil
}

// ListDatasets returns every dataset.
func (d *datasetService) ListDatasets(ctx context.Context, _ *pb.ListDatasetsRequest) (*pb.ListDatasetsResponse, error) {
	all, err := d.s.store.Datasets(ctx)
	if err != nil {
		return nil, err
	}
	out := &pb.ListDatasetsResponse{}
	for i := range all {
		out.Datasets = append(out.Datasets, toPBDataset(&all[i]))
	}
	return out, nil
}

// DownloadDatasetFile streams one file of a dataset.
func (d *datasetService) DownloadDatasetFile(req *pb.DownloadDatasetFileRequest, stream pb.DatasetService_DownloadDatasetFileServer) error {
	r, ok := roleOf(req.GetRole())
	if !ok {
		return invalid("role", "want a file role, got %s", req.GetRole())
	}
	data, err := d.s.store.DatasetFile(stream.Context(), req.GetDatasetId(), r.name)
	if err != nil {
		return err
	}
	return sendChunks(data, func(b []byte) error { return stream.Send(&pb.DownloadDatasetFileResponse{Data: b}) })
}

// sendChunks sends data in pieces of downloadChunkBytes.
func sendChunks(data []byte, send func([]byte) error) error {
	for len(data) > 0 {
		n := min(len(data), downloadChunkBytes)
		if err := send(data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}
