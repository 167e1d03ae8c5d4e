package maps

import (
	"context"
	"errors"
	"net/http"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
	"github.com/paulmach/orb"
)

// Viewer is who is looking at the page, as the server authenticated them.
type Viewer struct {
	Role string // "office", "ward" or "auditor"
	Ward string // the ward code of a "ward" viewer; empty otherwise
	Name string // the token's subject, for the audit log
}

// CanSeeWard reports whether the viewer may see a ward's data: a ward
// official sees only their own ward.
func (v Viewer) CanSeeWard(code string) bool { return v.Role != "ward" || v.Ward == code }

// Errors a Source returns; the handler maps them to HTTP statuses.
var (
	ErrUnauthenticated = errors.New("maps: no valid token")            // 401
	ErrForbidden       = errors.New("maps: not allowed for this role") // 403
	ErrNotFound        = errors.New("maps: no such round")             // 404
)

// RoundInfo describes a round in the page's round picker.
type RoundInfo struct {
	ID        string   `json:"id"`
	Year      int      `json:"year"`
	Mode      string   `json:"mode"`
	Levels    []string `json:"levels"`
	Published bool     `json:"published"`
}

// RoundData is what the maps need of one round.
type RoundData struct {
	Info     RoundInfo
	Result   *allocator.Result
	Wards    []geo.Ward       // may be empty
	Boundary orb.MultiPolygon // the city outline; nil: the union of the wards
	Rivers   []byte           // GeoJSON FeatureCollection, or nil
	Roads    []byte           // GeoJSON FeatureCollection, or nil
}

// Approval is a ward official's recorded approval of the catchments of
// their ward for one level of a round.
type Approval struct {
	RoundID string `json:"round_id"`
	Ward    string `json:"ward"`
	Level   string `json:"level"`
	By      string `json:"by"`
	Note    string `json:"note"`
	// Digest is the SHA-256 (hex) of the catchments GeoJSON the official
	// approved, as GET /map/api/catchments served it (its ETag): what
	// exactly was approved, for the audit log. Set by the handler.
	Digest string `json:"digest"`
}

// Source is what the page needs from the server: authentication, the
// rounds and their data, and the recording of approvals (which the server
// writes to its audit log). The server implements it over its store.
type Source interface {
	// Authenticate maps a request (Authorization: Bearer TOKEN) to a viewer.
	Authenticate(r *http.Request) (Viewer, error)
	// Rounds lists the rounds the viewer may see.
	Rounds(ctx context.Context, v Viewer) ([]RoundInfo, error)
	// Round returns one round's data.
	Round(ctx context.Context, v Viewer, id string) (*RoundData, error)
	// Approve records the viewer's approval of a ward's catchments for a
	// level of a round; only a ward official of that ward, or the office,
	// may approve.
	Approve(ctx context.Context, v Viewer, a Approval) error
	// Approvals lists the approvals recorded for a round.
	Approvals(ctx context.Context, v Viewer, roundID string) ([]Approval, error)
}
