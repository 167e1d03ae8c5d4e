package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/catchment/catchment/maps"
	pb "github.com/catchment/catchment/proto/catchment/v1"
	"github.com/stretchr/testify/require"
)

func TestTheMapPageSeesTheServersRoundsTokensAndAuditedApprovals(t *testing.T) {
	h := newHarness(t, Config{})
	_, id := h.publishedRound()
	src := h.srv.MapSource()
	ctx := context.Background()
	viewer := func(token string) maps.Viewer {
		r := httptest.NewRequest(http.MethodGet, "/map/api/me", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		v, err := src.Authenticate(r)
		require.NoError(t, err)
		return v
	}
	_, err := src.Authenticate(httptest.NewRequest(http.MethodGet, "/map/api/me", nil))
	require.ErrorIs(t, err, maps.ErrUnauthenticated)
	mine, other, auditor := viewer(tokWard(wardA)), viewer(tokWard(wardB)), viewer(tokAuditor)
	require.Equal(t, maps.Viewer{Role: "ward", Ward: wardA, Name: Label(tokWard(wardA))}, mine)

	rounds, err := src.Rounds(ctx, mine)
	require.NoError(t, err)
	require.Equal(t, []maps.RoundInfo{{ID: id, Year: 2026, Mode: "stable", Levels: []string{"preschool3", "preschool4", "preschool5", "grade1", "grade6"},
		Published: true}}, rounds)
	rd, err := src.Round(ctx, mine, id)
	require.NoError(t, err)
	require.Len(t, rd.Wards, cityConfig.Wards)
	require.NotEmpty(t, rd.Boundary)
	require.Equal(t, cityFiles[pb.FileRole_FILE_ROLE_RIVERS], rd.Rivers)
	require.Equal(t, cityFiles[pb.FileRole_FILE_ROLE_ROADS], rd.Roads)
	_, err = src.Round(ctx, mine, "r9")
	require.ErrorIs(t, err, maps.ErrNotFound)

	approval := maps.Approval{RoundID: id, Ward: wardA, Level: "grade1", Note: "ok", Digest: "d1g35t"}
	require.ErrorIs(t, src.Approve(ctx, other, approval), maps.ErrForbidden)
	require.ErrorIs(t, src.Approve(ctx, auditor, approval), maps.ErrForbidden)
	require.NoError(t, src.Approve(ctx, mine, approval))
	seen, err := src.Approvals(ctx, other, id)
	require.NoError(t, err)
	require.Empty(t, seen, "another ward's official does not see this ward's approvals")
	seen, err = src.Approvals(ctx, auditor, id)
	require.NoError(t, err)
	require.Equal(t, []maps.Approval{{RoundID: id, Ward: wardA, Level: "grade1", By: mine.Name, Note: "ok", Digest: "d1g35t"}}, seen)

	entries, err := h.st.AuditEntries(ctx, 0, 0)
	require.NoError(t, err)
	last := entries[len(entries)-1]
	require.Equal(t, "round.approve", last.Action)
	require.Equal(t, "ward:"+wardA, last.Role)
	require.Contains(t, last.Details, `"digest":"d1g35t"`)
}

func TestTheRootRedirectsToTheMapPage(t *testing.T) {
	h := newHarness(t, Config{})
	rec := httptest.NewRecorder()
	h.srv.HTTPHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	require.Equal(t, http.StatusFound, rec.Code)
	require.Equal(t, "/map/", rec.Header().Get("Location"))
	rec = httptest.NewRecorder()
	h.srv.HTTPHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/map/api/me", nil))
	require.Equal(t, http.StatusUnauthorized, rec.Code, "the page's API needs a token")
}
