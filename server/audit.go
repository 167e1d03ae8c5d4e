package server

import (
	"context"

	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/catchment/catchment/store"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// auditService implements catchment.v1.AuditService.
type auditService struct {
	pb.UnimplementedAuditServiceServer
	s *Server
}

// ListAuditEntries returns a page of the audit log.
func (a *auditService) ListAuditEntries(ctx context.Context, req *pb.ListAuditEntriesRequest) (*pb.ListAuditEntriesResponse, error) {
	if req.GetAfterSeq() < 0 || req.GetPageSize() < 0 {
		return nil, invalid("after_seq", "after_seq and page_size must not be negative")
	}
	entries, err := a.s.store.AuditEntries(ctx, req.GetAfterSeq(), int(req.GetPageSize()))
	if err != nil {
		return nil, err
	}
	out := &pb.ListAuditEntriesResponse{}
	for _, e := range entries {
		out.Entries = append(out.Entries, &pb.AuditEntry{Seq: e.Seq, Time: timestamppb.New(e.Time), Role: e.Role, Subject: e.Subject,
			Action: e.Action, Object: e.Object, Details: e.Details, PrevHash: e.PrevHash, Hash: e.Hash})
	}
	return out, nil
}

// VerifyAuditLog checks the audit chain and the stored files.
func (a *auditService) VerifyAuditLog(ctx context.Context, req *pb.VerifyAuditLogRequest) (*pb.VerifyAuditLogResponse, error) {
	var expect *store.Head
	if h := req.GetExpectedHead(); h != nil {
		if h.GetSeq() < 1 || !store.IsHash(h.GetHash()) {
			return nil, invalid("expected_head", "want a seq of at least 1 and a hash of 64 lower-case hex digits")
		}
		expect = &store.Head{Seq: h.GetSeq(), Hash: h.GetHash()}
	}
	v, err := a.s.store.Verify(ctx, expect)
	if err != nil {
		return nil, err
	}
	return &pb.VerifyAuditLogResponse{Verified: v.OK(), Entries: v.Entries, Head: &pb.AuditHead{Seq: v.Head.Seq, Hash: v.Head.Hash},
		FirstBrokenSeq: v.FirstBroken, Problems: v.Problems}, nil
}
