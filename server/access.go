package server

import (
	"fmt"
	"strings"

	pb "github.com/catchment/catchment/proto/catchment/v1"
)

// allowed lists the roles that may call a method. A ward official's calls
// are further limited to their own ward by the handlers (requireWard).
type allowed struct {
	office, ward, auditor bool
	mutating              bool // the call changes the store (and is audited)
}

var (
	officeOnly   = allowed{office: true, mutating: true}
	officeReads  = allowed{office: true, auditor: true}
	everyone     = allowed{office: true, ward: true, auditor: true}
	wardApproval = allowed{office: true, ward: true, mutating: true}
)

// access is the role table of every method. A method missing from it is
// refused to everyone; health and reflection need no token (publicMethod).
var access = map[string]allowed{
	pb.DatasetService_UploadDataset_FullMethodName:       officeOnly,
	pb.DatasetService_GetDataset_FullMethodName:          officeReads,
	pb.DatasetService_ListDatasets_FullMethodName:        officeReads,
	pb.DatasetService_DownloadDatasetFile_FullMethodName: officeReads,

	pb.RoundService_RunRound_FullMethodName:          officeOnly,
	pb.RoundService_GetRound_FullMethodName:          everyone, // a ward sees its own ward's rows only
	pb.RoundService_ListRounds_FullMethodName:        everyone,
	pb.RoundService_GetPlacement_FullMethodName:      officeReads,
	pb.RoundService_ExplainPlacement_FullMethodName:  officeReads,
	pb.RoundService_ReplayRound_FullMethodName:       officeReads,
	pb.RoundService_ApproveWard_FullMethodName:       wardApproval, // own ward only
	pb.RoundService_ListApprovals_FullMethodName:     everyone,     // a ward sees its own approvals only
	pb.RoundService_PublishRound_FullMethodName:      officeOnly,
	pb.RoundService_DownloadRoundFile_FullMethodName: officeReads,

	pb.CatchmentService_LookupAddress_FullMethodName: everyone, // a ward: addresses inside it only
	pb.CatchmentService_PreviewWard_FullMethodName:   everyone, // a ward: its own only

	pb.AuditService_ListAuditEntries_FullMethodName: officeReads,
	pb.AuditService_VerifyAuditLog_FullMethodName:   officeReads,
}

// publicMethod reports whether a method is served without a token: the
// standard health service (probes) and reflection (grpcurl).
func publicMethod(fullMethod string) bool {
	return strings.HasPrefix(fullMethod, "/grpc.health.v1.Health/") ||
		strings.HasPrefix(fullMethod, "/grpc.reflection.v1.ServerReflection/") ||
		strings.HasPrefix(fullMethod, "/grpc.reflection.v1alpha.ServerReflection/")
}

// authorize fails with ErrForbidden unless the principal's role may call
// the method.
func authorize(p Principal, fullMethod string) error {
	a := access[fullMethod]
	ok := (p.Role == RoleOffice && a.office) || (p.Role == RoleWard && a.ward) || (p.Role == RoleAuditor && a.auditor)
	if !ok {
		return fmt.Errorf("%w: %s may not call %s", ErrForbidden, p, fullMethod)
	}
	return nil
}
