package maps

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/catchment/catchment/geo"
)

//go:embed assets
var assets embed.FS

// HandlerOption tunes NewHandler.
type HandlerOption func(*handler)

// WithCellM sets the raster cell size of the derivations, in metres
// (default DefaultCellM).
func WithCellM(m float64) HandlerOption { return func(h *handler) { h.cellM = m } }

// WithCacheSize sets how many derived (round, level) catchment sets are
// kept (default 8); the least recently used is dropped first.
func WithCacheSize(n int) HandlerOption { return func(h *handler) { h.cache.size = max(1, n) } }

// WithLogger sets where internal errors are logged (default slog.Default).
func WithLogger(l *slog.Logger) HandlerOption { return func(h *handler) { h.log = l } }

type handler struct {
	src   Source
	cellM float64
	cache *cache
	log   *slog.Logger
	files fs.FS
}

// NewHandler returns the HTTP handler of the ward map page and its JSON
// API. Mount it at /map/ (with or without http.StripPrefix("/map", ...)):
//
//	GET  /map/                        the page (Leaflet and our code, embedded; no tiles, works offline)
//	GET  /map/assets/...              its scripts, styles and images
//	GET  /map/api/me                  the viewer: {"role", "ward", "name"}
//	GET  /map/api/rounds              the rounds the viewer may see
//	GET  /map/api/base?round=         base layers: wards (code, name), boundary, rivers, roads
//	GET  /map/api/catchments?round=&level=[&ward=]
//	                                  the derived catchments (GeoJSON, as `catchment catchments`
//	                                  writes them) of the schools located in the ward, with the
//	                                  ward's totals; without ward, the whole city (not for ward
//	                                  officials, who get their own ward). ETag: the SHA-256 digest.
//	GET  /map/api/render?round=&level=&ward=[&format=png|svg]
//	                                  the ward map for reports, as `catchment render` draws it
//	GET  /map/api/approvals?round=    approvals recorded for the round (a ward official sees
//	                                  their ward's)
//	POST /map/api/approve             {"round", "ward", "level", "note", "digest"}: records the
//	                                  viewer's approval through Source.Approve
//
// Every API call needs "Authorization: Bearer TOKEN" (401 without a valid
// one); a ward official asking for another ward gets 403. Answers hold
// aggregates only, never applicant rows. Derived catchments are computed
// once per (round, level) and cached.
func NewHandler(src Source, opts ...HandlerOption) http.Handler {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	h := &handler{src: src, cellM: DefaultCellM, cache: newCache(8), log: slog.Default(), files: sub}
	for _, o := range opts {
		o(h)
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if p == "/map" {
		http.Redirect(w, r, "/map/", http.StatusMovedPermanently)
		return
	}
	p = strings.TrimPrefix(p, "/map")
	secure(w)
	switch {
	case p == "/" || p == "/index.html":
		h.serveAsset(w, r, "index.html")
	case strings.HasPrefix(p, "/assets/"):
		h.serveAsset(w, r, strings.TrimPrefix(p, "/assets/"))
	case strings.HasPrefix(p, "/api/"):
		w.Header().Set("Cache-Control", "no-store")
		h.serveAPI(w, r, strings.TrimPrefix(p, "/api/"))
	default:
		http.NotFound(w, r)
	}
}

// secure sets headers that keep the page to its own origin.
func secure(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
}

func (h *handler) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name = path.Clean("/" + name)[1:]
	data, err := fs.ReadFile(h.files, name)
	if err != nil || name == "README.md" {
		http.NotFound(w, r)
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	if strings.HasPrefix(ct, "text/") && !strings.Contains(ct, "charset") {
		ct += "; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-cache")
	sum := sha256.Sum256(data)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
	http.ServeContent(w, r, "", zeroTime, bytes.NewReader(data))
}

// apiError is an answer with a status and a message for the page.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) error {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

func (h *handler) serveAPI(w http.ResponseWriter, r *http.Request, route string) {
	v, err := h.src.Authenticate(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	type endpoint struct {
		method string
		serve  func(http.ResponseWriter, *http.Request, Viewer) error
	}
	endpoints := map[string]endpoint{
		"me":         {http.MethodGet, h.me},
		"rounds":     {http.MethodGet, h.rounds},
		"base":       {http.MethodGet, h.base},
		"catchments": {http.MethodGet, h.catchments},
		"render":     {http.MethodGet, h.render},
		"approvals":  {http.MethodGet, h.approvals},
		"approve":    {http.MethodPost, h.approve},
	}
	e, ok := endpoints[route]
	switch {
	case !ok:
		err = errorf(http.StatusNotFound, "no such API endpoint: %s", route)
	case r.Method != e.method && !(e.method == http.MethodGet && r.Method == http.MethodHead):
		w.Header().Set("Allow", e.method)
		err = errorf(http.StatusMethodNotAllowed, "%s wants %s", route, e.method)
	default:
		err = e.serve(w, r, v)
	}
	if err != nil {
		h.fail(w, r, err)
	}
}

// fail answers an error as JSON {"error": "..."} with its status: the
// Source's sentinel errors map to 401, 403 and 404; anything else is a 500
// whose detail goes to the log only.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "internal error"
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		status, msg = ae.status, ae.msg
	case errors.Is(err, ErrUnauthenticated):
		status, msg = http.StatusUnauthorized, "a valid access token is required"
	case errors.Is(err, ErrForbidden):
		status, msg = http.StatusForbidden, "not allowed for this token"
	case errors.Is(err, ErrNotFound):
		status, msg = http.StatusNotFound, "no such round"
	case errors.Is(err, context.Canceled):
		return
	default:
		h.log.Error("maps: request failed", "path", r.URL.Path, "err", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="catchment"`)
	}
	writeJSONResponse(w, status, map[string]string{"error": msg})
}

func writeJSONResponse(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	writeJSON(&b, v)
	b.WriteByte('\n')
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func (h *handler) me(w http.ResponseWriter, _ *http.Request, v Viewer) error {
	writeJSONResponse(w, http.StatusOK, struct {
		Role       string `json:"role"`
		Ward       string `json:"ward"`
		Name       string `json:"name"`
		CanApprove bool   `json:"can_approve"`
	}{v.Role, v.Ward, v.Name, v.Role == "office" || v.Role == "ward"})
	return nil
}

func (h *handler) rounds(w http.ResponseWriter, r *http.Request, v Viewer) error {
	rs, err := h.src.Rounds(r.Context(), v)
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []RoundInfo{}
	}
	writeJSONResponse(w, http.StatusOK, rs)
	return nil
}

// roundParam fetches the round named by ?round=.
func (h *handler) roundParam(r *http.Request, v Viewer) (string, *RoundData, error) {
	return h.round(r.Context(), v, r.URL.Query().Get("round"))
}

// round fetches a round from the source.
func (h *handler) round(ctx context.Context, v Viewer, id string) (string, *RoundData, error) {
	if id == "" {
		return "", nil, errorf(http.StatusBadRequest, "round is required")
	}
	rd, err := h.src.Round(ctx, v, id)
	if err != nil {
		return id, nil, err
	}
	if rd == nil || rd.Result == nil {
		return id, nil, ErrNotFound
	}
	return id, rd, nil
}

// levelParam parses ?level= against the round's levels.
func levelParam(r *http.Request, rd *RoundData) (geo.Level, error) {
	return levelOf(r.URL.Query().Get("level"), rd)
}

// levelOf parses a level code against the round's levels.
func levelOf(code string, rd *RoundData) (geo.Level, error) {
	l, err := geo.ParseLevel(code)
	if err != nil {
		return 0, errorf(http.StatusBadRequest, "level: %v", err)
	}
	if !slices.Contains(rd.Result.Levels, l) {
		return 0, errorf(http.StatusNotFound, "the round did not allocate %s", l)
	}
	return l, nil
}

// wardParam checks ?ward= (or the body's ward): it must exist when the
// round has wards, and the viewer must be allowed to see it. An empty
// ward means the whole city, which a ward official may not see: they get
// their own ward.
func wardParam(code string, v Viewer, rd *RoundData) (string, string, error) {
	if code == "" && v.Role == "ward" {
		code = v.Ward
	}
	if code == "" {
		return "", "", nil
	}
	if !v.CanSeeWard(code) {
		return "", "", errorf(http.StatusForbidden, "this token is for ward %s: it cannot see ward %s", v.Ward, code)
	}
	if len(rd.Wards) == 0 {
		return code, "", nil
	}
	for _, w := range rd.Wards {
		if w.Code == code {
			return code, w.Name, nil
		}
	}
	return "", "", errorf(http.StatusNotFound, "no ward %s in this round", code)
}

func (h *handler) base(w http.ResponseWriter, r *http.Request, v Viewer) error {
	id, rd, err := h.roundParam(r, v)
	if err != nil {
		return err
	}
	body := h.cache.base(id, rd)
	writeBytes(w, r, body, "application/json; charset=utf-8")
	return nil
}

// set returns the derived catchments of a level of a round, from the cache
// or derived now (concurrent requests for the same set wait for one
// derivation).
func (h *handler) set(id string, rd *RoundData, l geo.Level) (*Set, error) {
	return h.cache.set(id, l, func() (*Set, error) {
		return Derive(context.Background(), rd.Result, []geo.Level{l},
			Options{CellM: h.cellM, Boundary: rd.Boundary, Wards: rd.Wards, Rivers: rd.Rivers})
	})
}

// wardView returns the GeoJSON of the catchments of a ward (or of the
// whole city when ward is "") and its digest.
func (h *handler) wardView(v Viewer, id string, rd *RoundData, l geo.Level, ward string) ([]byte, string, error) {
	code, name, err := wardParam(ward, v, rd)
	if err != nil {
		return nil, "", err
	}
	set, err := h.set(id, rd, l)
	if err != nil {
		return nil, "", err
	}
	if code != "" {
		set = set.InWard(code, name)
	}
	body := set.GeoJSON()
	sum := sha256.Sum256(body)
	return body, hex.EncodeToString(sum[:]), nil
}

func (h *handler) catchments(w http.ResponseWriter, r *http.Request, v Viewer) error {
	id, rd, err := h.roundParam(r, v)
	if err != nil {
		return err
	}
	l, err := levelParam(r, rd)
	if err != nil {
		return err
	}
	body, digest, err := h.wardView(v, id, rd, l, r.URL.Query().Get("ward"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", `"`+digest+`"`)
	writeBytes(w, r, body, "application/geo+json; charset=utf-8")
	return nil
}

func (h *handler) render(w http.ResponseWriter, r *http.Request, v Viewer) error {
	id, rd, err := h.roundParam(r, v)
	if err != nil {
		return err
	}
	l, err := levelParam(r, rd)
	if err != nil {
		return err
	}
	code, _, err := wardParam(r.URL.Query().Get("ward"), v, rd)
	if err != nil {
		return err
	}
	if code == "" {
		return errorf(http.StatusBadRequest, "ward is required")
	}
	set, err := h.set(id, rd, l)
	if err != nil {
		return err
	}
	opt := MapOptions{Ward: code, Wards: rd.Wards, Boundary: rd.Boundary, Rivers: rd.Rivers, Roads: rd.Roads, Note: "Round " + id}
	var b bytes.Buffer
	ct, ext := "image/png", "png"
	switch f := r.URL.Query().Get("format"); f {
	case "", "png":
		err = RenderPNG(&b, set, l, opt)
	case "svg":
		ct, ext = "image/svg+xml; charset=utf-8", "svg"
		err = RenderSVG(&b, set, l, opt)
	default:
		return errorf(http.StatusBadRequest, "format %q: want png or svg", f)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="ward-%s-%s.%s"`, safeName(code), l, ext))
	writeBytes(w, r, b.Bytes(), ct)
	return nil
}

// safeName keeps letters, digits, '-' and '_' of a ward code for a file
// name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
}

func (h *handler) approvals(w http.ResponseWriter, r *http.Request, v Viewer) error {
	id := r.URL.Query().Get("round")
	if id == "" {
		return errorf(http.StatusBadRequest, "round is required")
	}
	as, err := h.src.Approvals(r.Context(), v, id)
	if err != nil {
		return err
	}
	out := []Approval{}
	for _, a := range as {
		if v.CanSeeWard(a.Ward) {
			out = append(out, a)
		}
	}
	writeJSONResponse(w, http.StatusOK, out)
	return nil
}

// approveRequest is the body of POST /map/api/approve.
type approveRequest struct {
	Round  string `json:"round"`
	Ward   string `json:"ward"`
	Level  string `json:"level"`
	Note   string `json:"note"`
	Digest string `json:"digest"` // the ETag of the catchments the official looked at, optional
}

func (h *handler) approve(w http.ResponseWriter, r *http.Request, v Viewer) error {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		return errorf(http.StatusUnsupportedMediaType, "send the approval as application/json")
	}
	var req approveRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return errorf(http.StatusBadRequest, "approval: %v", err)
	}
	switch {
	case req.Ward == "":
		return errorf(http.StatusBadRequest, "ward is required")
	case v.Role != "office" && v.Role != "ward":
		return errorf(http.StatusForbidden, "only a ward official or the admissions office may approve")
	case len([]rune(req.Note)) > 2000:
		return errorf(http.StatusBadRequest, "the note is longer than 2000 characters")
	}
	id, rd, err := h.round(r.Context(), v, req.Round)
	if err != nil {
		return err
	}
	l, err := levelOf(req.Level, rd)
	if err != nil {
		return err
	}
	_, digest, err := h.wardView(v, id, rd, l, req.Ward)
	if err != nil {
		return err
	}
	if req.Digest != "" && req.Digest != digest {
		return errorf(http.StatusConflict, "the catchments changed since the page loaded them; reload and check again")
	}
	a := Approval{RoundID: id, Ward: req.Ward, Level: l.String(), By: v.Name, Note: req.Note, Digest: digest}
	if err := h.src.Approve(r.Context(), v, a); err != nil {
		return err
	}
	writeJSONResponse(w, http.StatusCreated, a)
	return nil
}

// writeBytes answers a body with its content type, honouring
// If-None-Match when an ETag was set.
func writeBytes(w http.ResponseWriter, r *http.Request, body []byte, ct string) {
	w.Header().Set("Content-Type", ct)
	if et := w.Header().Get("ETag"); et != "" && r.Header.Get("If-None-Match") == et {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
