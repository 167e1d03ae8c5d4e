package maps

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/catchment/catchment/geo"
	"github.com/stretchr/testify/require"
)

// testCellM keeps the tests quick; the page works the same at any size.
const testCellM = 150

func newTestServer(t *testing.T) (*httptest.Server, *testSource) {
	t.Helper()
	src := newTestSource(t)
	mux := http.NewServeMux()
	mux.Handle("/map/", NewHandler(src, WithCellM(testCellM)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, src
}

// call makes a request with a token ("" for none) and returns the status,
// the body and the response.
func call(t *testing.T, method, url, token, body string) (int, []byte, *http.Response) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, b, res
}

func errorOf(t *testing.T, body []byte) string {
	t.Helper()
	var e struct{ Error string }
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	return e.Error
}

func TestTheAPIAnswers401WithoutAValidToken(t *testing.T) {
	srv, _ := newTestServer(t)
	for _, path := range []string{"me", "rounds", "base?round=2026-test", "catchments?round=2026-test&level=grade1", "approvals?round=2026-test"} {
		for _, tok := range []string{"", "wrong"} {
			status, body, res := call(t, "GET", srv.URL+"/map/api/"+path, tok, "")
			require.Equal(t, http.StatusUnauthorized, status, "%s with %q", path, tok)
			require.Contains(t, errorOf(t, body), "access token")
			require.Contains(t, res.Header.Get("WWW-Authenticate"), "Bearer")
		}
	}
	status, _, _ := call(t, "POST", srv.URL+"/map/api/approve", "", `{}`)
	require.Equal(t, http.StatusUnauthorized, status)
}

func TestTheOfficeGetsTheSameGeoJSONAsDeriveForTheWholeCity(t *testing.T) {
	srv, src := newTestServer(t)
	status, body, res := call(t, "GET", srv.URL+"/map/api/catchments?round=2026-test&level=grade1", officeToken, "")
	require.Equal(t, http.StatusOK, status, string(body))
	require.Equal(t, "application/geo+json; charset=utf-8", res.Header.Get("Content-Type"))
	set, err := Derive(context.Background(), src.data.Result, []geo.Level{geo.Grade1},
		Options{CellM: testCellM, Boundary: src.data.Boundary, Wards: src.data.Wards, Rivers: src.data.Rivers})
	require.NoError(t, err)
	require.Equal(t, string(set.GeoJSON()), string(body), "what `catchment catchments` would write")
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	require.Equal(t, etag, res.Header.Get("ETag"))

	req, _ := http.NewRequest("GET", srv.URL+"/map/api/catchments?round=2026-test&level=grade1", nil)
	req.Header.Set("Authorization", "Bearer "+officeToken)
	req.Header.Set("If-None-Match", etag)
	again, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	again.Body.Close()
	require.Equal(t, http.StatusNotModified, again.StatusCode)
}

func TestAWardOfficialSeesOnlyTheirWard(t *testing.T) {
	srv, src := newTestServer(t)
	own := src.viewers[wardToken].Ward
	other := otherWard(cityRound, own)
	status, body, _ := call(t, "GET", srv.URL+"/map/api/catchments?round=2026-test&level=grade1&ward="+other, wardToken, "")
	require.Equal(t, http.StatusForbidden, status)
	require.Equal(t, "this token is for ward "+own+": it cannot see ward "+other, errorOf(t, body))
	status, _, _ = call(t, "GET", srv.URL+"/map/api/render?round=2026-test&level=grade1&ward="+other, wardToken, "")
	require.Equal(t, http.StatusForbidden, status)

	// Without a ward, a ward official gets their own.
	status, body, _ = call(t, "GET", srv.URL+"/map/api/catchments?round=2026-test&level=grade1", wardToken, "")
	require.Equal(t, http.StatusOK, status)
	var fc struct {
		Ward     WardTotals
		Features []struct {
			Properties struct {
				Ward     string
				SchoolID string `json:"school_id"`
			}
		}
	}
	require.NoError(t, json.Unmarshal(body, &fc))
	require.Equal(t, own, fc.Ward.Code)
	require.NotEmpty(t, fc.Features)
	for _, f := range fc.Features {
		require.Equal(t, own, f.Properties.Ward, f.Properties.SchoolID)
	}
	require.Equal(t, len(fc.Features), fc.Ward.Schools)
	ids := map[string]bool{}
	for _, a := range cityRound.Result.Applicants {
		ids[a.ID] = true
	}
	for _, tok := range regexp.MustCompile(`"([^"\\]*)"`).FindAllStringSubmatch(string(body), -1) {
		require.False(t, ids[tok[1]], "aggregates only: no applicant id in the answer (%s)", tok[1])
	}

	// The office may look at any ward.
	status, _, _ = call(t, "GET", srv.URL+"/map/api/catchments?round=2026-test&level=grade1&ward="+other, officeToken, "")
	require.Equal(t, http.StatusOK, status)
}

func TestBadParametersAreExplained(t *testing.T) {
	srv, _ := newTestServer(t)
	for _, tc := range []struct {
		path   string
		status int
		msg    string
	}{
		{"catchments?level=grade1", 400, "round is required"},
		{"catchments?round=nope&level=grade1", 404, "no such round"},
		{"catchments?round=2026-test&level=grade9", 400, "unknown level"},
		{"catchments?round=2026-test&level=grade1&ward=99999", 404, "no ward 99999"},
		{"render?round=2026-test&level=grade1", 400, "ward is required"},
		{"nothing", 404, "no such API endpoint"},
	} {
		status, body, _ := call(t, "GET", srv.URL+"/map/api/"+tc.path, officeToken, "")
		require.Equal(t, tc.status, status, tc.path)
		require.Contains(t, errorOf(t, body), tc.msg, tc.path)
	}
	status, _, res := call(t, "GET", srv.URL+"/map/api/approve", officeToken, "")
	require.Equal(t, http.StatusMethodNotAllowed, status)
	require.Equal(t, "POST", res.Header.Get("Allow"))
}

func TestApprovalsAreRecordedWithWhatWasApproved(t *testing.T) {
	srv, src := newTestServer(t)
	own := src.viewers[wardToken].Ward
	_, view, res := call(t, "GET", srv.URL+"/map/api/catchments?round=2026-test&level=grade1&ward="+own, wardToken, "")
	digest := strings.Trim(res.Header.Get("ETag"), `"`)
	sum := sha256.Sum256(view)
	require.Equal(t, hex.EncodeToString(sum[:]), digest)

	body := `{"round":"2026-test","ward":"` + own + `","level":"grade1","note":"Đã kiểm tra: khớp với thực tế","digest":"` + digest + `"}`
	status, got, _ := call(t, "POST", srv.URL+"/map/api/approve", wardToken, body)
	require.Equal(t, http.StatusCreated, status, string(got))
	want := Approval{RoundID: "2026-test", Ward: own, Level: "grade1", By: "ward-official", Note: "Đã kiểm tra: khớp với thực tế", Digest: digest}
	require.Equal(t, []Approval{want}, src.recorded())

	status, got, _ = call(t, "GET", srv.URL+"/map/api/approvals?round=2026-test", wardToken, "")
	require.Equal(t, http.StatusOK, status)
	var list []Approval
	require.NoError(t, json.Unmarshal(got, &list))
	require.Equal(t, []Approval{want}, list)

	other := otherWard(cityRound, own)
	for _, tc := range []struct {
		token, body string
		status      int
	}{
		{wardToken, `{"round":"2026-test","ward":"` + other + `","level":"grade1"}`, http.StatusForbidden},
		{auditorToken, `{"round":"2026-test","ward":"` + own + `","level":"grade1"}`, http.StatusForbidden},
		{wardToken, `{"round":"2026-test","ward":"` + own + `","level":"grade1","digest":"stale"}`, http.StatusConflict},
		{wardToken, `{"round":"2026-test","ward":"` + own + `","level":"grade1","extra":1}`, http.StatusBadRequest},
		{wardToken, `{"round":"2026-test","level":"grade1"}`, http.StatusBadRequest},
	} {
		status, got, _ := call(t, "POST", srv.URL+"/map/api/approve", tc.token, tc.body)
		require.Equal(t, tc.status, status, "%s: %s", tc.body, got)
	}
	status, _, _ = call(t, "POST", srv.URL+"/map/api/approve", officeToken, `{"round":"2026-test","ward":"`+other+`","level":"grade1"}`)
	require.Equal(t, http.StatusCreated, status, "the office may approve for any ward")
	require.Len(t, src.recorded(), 2)

	// A ward official sees only their ward's approvals.
	_, got, _ = call(t, "GET", srv.URL+"/map/api/approvals?round=2026-test", wardToken, "")
	require.NoError(t, json.Unmarshal(got, &list))
	require.Equal(t, []Approval{want}, list)
}

func TestThePageAndItsAssetsAreServedWithoutAToken(t *testing.T) {
	srv, _ := newTestServer(t)
	for path, ct := range map[string]string{
		"/map/":                          "text/html; charset=utf-8",
		"/map/assets/app.js":             "text/javascript; charset=utf-8",
		"/map/assets/app.css":            "text/css; charset=utf-8",
		"/map/assets/leaflet/leaflet.js": "text/javascript; charset=utf-8",
		"/map/assets/leaflet/LICENSE":    "application/octet-stream",
	} {
		status, body, res := call(t, "GET", srv.URL+path, "", "")
		require.Equal(t, http.StatusOK, status, path)
		require.Equal(t, ct, res.Header.Get("Content-Type"), path)
		require.NotEmpty(t, body)
		require.Contains(t, res.Header.Get("Content-Security-Policy"), "default-src 'self'")
	}
	status, _, _ := call(t, "GET", srv.URL+"/map/assets/README.md", "", "")
	require.Equal(t, http.StatusNotFound, status)
	status, _, _ = call(t, "GET", srv.URL+"/map/assets/../handler.go", "", "")
	require.Equal(t, http.StatusNotFound, status)
	res, err := http.Get(srv.URL + "/map")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, srv.URL+"/map/", res.Request.URL.String(), "/map redirects to /map/")
}

func TestTheBaseLayersAndTheReportMapComeThroughTheAPI(t *testing.T) {
	srv, src := newTestServer(t)
	status, body, _ := call(t, "GET", srv.URL+"/map/api/base?round=2026-test", wardToken, "")
	require.Equal(t, http.StatusOK, status)
	var base struct {
		Wards         struct{ Features []json.RawMessage }
		Boundary      json.RawMessage
		Rivers, Roads struct{ Type string }
	}
	require.NoError(t, json.Unmarshal(body, &base))
	require.Len(t, base.Wards.Features, len(src.data.Wards))
	require.Equal(t, "FeatureCollection", base.Rivers.Type)
	require.Equal(t, "FeatureCollection", base.Roads.Type)
	require.Contains(t, string(body), "Phường", "Vietnamese names stay UTF-8")

	own := src.viewers[wardToken].Ward
	status, body, res := call(t, "GET", srv.URL+"/map/api/render?round=2026-test&level=grade1&ward="+own, wardToken, "")
	require.Equal(t, http.StatusOK, status, string(body))
	require.Equal(t, "image/png", res.Header.Get("Content-Type"))
	require.Contains(t, res.Header.Get("Content-Disposition"), "ward-"+own+"-grade1.png")
	_, err := png.Decode(bytes.NewReader(body))
	require.NoError(t, err)
	status, body, _ = call(t, "GET", srv.URL+"/map/api/render?round=2026-test&level=grade1&format=svg&ward="+own, wardToken, "")
	require.Equal(t, http.StatusOK, status)
	require.True(t, bytes.HasPrefix(body, []byte("<svg")))
}

func TestConcurrentRequestsShareOneDerivation(t *testing.T) {
	src := newTestSource(t)
	h := NewHandler(src, WithCellM(testCellM), WithCacheSize(1)).(*handler)
	var wg sync.WaitGroup
	sets := make([]*Set, 8)
	for i := range sets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			sets[i], err = h.set("2026-test", src.data, geo.Grade1)
			require.NoError(t, err)
		}()
	}
	wg.Wait()
	for _, s := range sets[1:] {
		require.Same(t, sets[0], s)
	}
	// The cache holds one set: another level replaces it.
	other, err := h.set("2026-test", src.data, geo.Grade6)
	require.NoError(t, err)
	require.NotSame(t, sets[0], other)
	again, err := h.set("2026-test", src.data, geo.Grade1)
	require.NoError(t, err)
	require.NotSame(t, sets[0], again, "grade 1 was derived again after eviction")
	require.Equal(t, string(sets[0].GeoJSON()), string(again.GeoJSON()))
}
