package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
	"github.com/catchment/catchment/round"
	"github.com/catchment/catchment/store"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Errors the handlers return; toStatus maps them to gRPC codes.
var (
	// ErrUnauthenticated: no bearer token, or one the tokens file does not
	// list (UNAUTHENTICATED).
	ErrUnauthenticated = errors.New("server: missing or unknown bearer token")
	// ErrForbidden: the caller's role, or ward, may not make this call
	// (PERMISSION_DENIED).
	ErrForbidden = errors.New("server: not allowed for this role")
	// ErrNotPublished: a lookup without a round id for a level that has no
	// published round (FAILED_PRECONDITION).
	ErrNotPublished = errors.New("server: no published round for this level")
	// ErrOutputsDiffer: a stored round did not re-run to its stored
	// outputs, so it is not served (DATA_LOSS).
	ErrOutputsDiffer = errors.New("server: stored round does not replay to its stored outputs")
	// ErrShuttingDown: the server is draining, so a round or replay that
	// has not started yet never will (UNAVAILABLE).
	ErrShuttingDown = errors.New("server: shutting down")
	// ErrRateLimited: a ward or auditor token made more address lookups
	// than Config.LookupRate allows (RESOURCE_EXHAUSTED).
	ErrRateLimited = errors.New("server: too many address lookups; slow down")
)

// invalidError is a request the caller must fix: INVALID_ARGUMENT with
// each problem as a google.rpc.BadRequest field violation.
type invalidError struct {
	msg        string
	violations []*errdetails.BadRequest_FieldViolation
}

// Error returns the message sent to the caller.
func (e *invalidError) Error() string { return e.msg }

// invalid reports one bad request field.
func invalid(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &invalidError{msg: field + ": " + msg, violations: []*errdetails.BadRequest_FieldViolation{{Field: field, Description: msg}}}
}

// maxViolations is how many located problems an error's details carry; the
// message says how many there are in all.
const maxViolations = 100

// invalidData reports problems found in uploaded files: the message lists
// them as geo.Problems does (file, feature index, id, property), and the
// details carry one field violation per problem, its field a path such as
// "schools.geojson/features/17/properties/seats".
func invalidData(ps geo.Problems) error {
	e := &invalidError{msg: ps.Error()}
	for i, p := range ps {
		if i == maxViolations {
			e.violations = append(e.violations, &errdetails.BadRequest_FieldViolation{Field: "",
				Description: fmt.Sprintf("... and %d more problems", len(ps)-i)})
			break
		}
		e.violations = append(e.violations, &errdetails.BadRequest_FieldViolation{Field: problemPath(p), Description: p.Error()})
	}
	return e
}

func problemPath(p geo.Problem) string {
	path := p.File
	if p.Feature != geo.WholeFile {
		path += "/features/" + strconv.Itoa(p.Feature)
	}
	switch p.Property {
	case "":
	case "geometry":
		path += "/geometry"
	default:
		path += "/properties/" + p.Property
	}
	return path
}

// toStatus is the one mapping from the errors of the server, the store
// and the engine to gRPC status codes. Errors it does not know are
// INTERNAL; their text is logged, not sent.
func toStatus(log *slog.Logger, method string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err // already a status: the transport's or the stream's
	}
	var inv *invalidError
	switch {
	case errors.As(err, &inv):
		return withBadRequest(inv)
	case errors.Is(err, ErrUnauthenticated):
		return status.Error(codes.Unauthenticated, err.Error())
	case errors.Is(err, ErrForbidden):
		return status.Error(codes.PermissionDenied, err.Error())
	case errors.Is(err, store.ErrNotFound), errors.Is(err, allocator.ErrUnknownApplicant):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, ErrNotPublished):
		return status.Error(codes.FailedPrecondition, err.Error())
	case errors.Is(err, ErrOutputsDiffer), errors.Is(err, round.ErrInputChanged):
		log.Error("stored round does not verify", "method", method, "err", err)
		return status.Error(codes.DataLoss, err.Error())
	case errors.Is(err, ErrShuttingDown):
		return status.Error(codes.Unavailable, err.Error())
	case isBusy(err):
		log.Warn("store busy", "method", method, "err", err)
		return status.Error(codes.Unavailable, "server: the store is busy; try again")
	case errors.Is(err, ErrRateLimited):
		return status.Error(codes.ResourceExhausted, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "server: call cancelled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "server: deadline exceeded")
	}
	log.Error("internal error", "method", method, "err", err)
	return status.Error(codes.Internal, "server: internal error (logged on the server)")
}

// isBusy reports whether err is SQLite's "database is locked": another
// writer held the store file for longer than the store's busy timeout.
func isBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff // the primary result code of an extended one
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	return strings.Contains(err.Error(), "database is locked") // wrapped without %w
}

func withBadRequest(inv *invalidError) error {
	st := status.New(codes.InvalidArgument, inv.msg)
	if detailed, err := st.WithDetails(&errdetails.BadRequest{FieldViolations: inv.violations}); err == nil {
		st = detailed
	}
	return st.Err()
}
