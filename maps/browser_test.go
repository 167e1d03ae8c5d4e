package maps

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/catchment/catchment/geo"
	"github.com/catchment/catchment/round"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// chromium returns the path of Debian's Chromium. Without it the browser
// tests fail (CI installs it), unless CATCHMENT_SKIP_BROWSER=1 asks to skip
// them.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CATCHMENT_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CATCHMENT_SKIP_BROWSER") == "1" {
		t.Skip("Chromium not found; browser tests skipped because CATCHMENT_SKIP_BROWSER=1")
	}
	t.Fatal("Chromium not found: install Debian's package (apt-get update && apt-get install -y chromium), " +
		"or set CATCHMENT_SKIP_BROWSER=1 to skip the browser tests")
	return ""
}

// browser starts a headless Chromium for the test and returns a context of
// its first tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 780),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	require.NoError(t, chromedp.Do(ctx), "start Chromium")
	return ctx
}

// tab opens a new tab (its own sessionStorage) in the browser.
func tab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(ctx))
	return ctx
}

// do runs steps with a time limit.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx, steps...))
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	require.NoError(t, err, js)
	return v
}

// settled waits until the page has finished loading (ready, forbidden,
// error or asking for a token) and returns which.
func settled(t *testing.T, ctx context.Context) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Poll[string](
		`["ready", "forbidden", "error", "login"].includes(document.body.dataset.state) && document.body.dataset.state`))
	require.NoError(t, err)
	return s
}

func signIn(t *testing.T, ctx context.Context, url, token string) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), token), chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)))
}

// drawn returns how many catchment paths Leaflet drew.
func drawn(t *testing.T, ctx context.Context) int {
	return eval[int](t, ctx, `document.querySelectorAll("path.catchment").length`)
}

// nonEmpty counts the catchments with a polygon: one SVG path each.
func nonEmpty(s *Set) int {
	n := 0
	for _, c := range s.Catchments {
		if len(c.Shape) > 0 {
			n++
		}
	}
	return n
}

// schoolsRow returns the round's schools.csv row of a school and level.
func schoolsRow(t *testing.T, rd *round.Round, id, level string) []string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(rd.File(round.FileSchools))).ReadAll()
	require.NoError(t, err)
	for _, r := range rows {
		if r[0] == id && r[1] == level {
			return r
		}
	}
	t.Fatalf("no schools.csv row for %s %s", id, level)
	return nil
}

func TestThePageInAHeadlessBrowser(t *testing.T) {
	srv, src := newTestServer(t)
	b := browser(t)
	set, err := Derive(context.Background(), src.data.Result, []geo.Level{geo.Grade1},
		Options{CellM: testCellM, Boundary: src.data.Boundary, Wards: src.data.Wards, Rivers: src.data.Rivers})
	require.NoError(t, err)
	own := src.viewers[wardToken].Ward
	other := otherWard(cityRound, own)
	page := srv.URL + "/map/"

	t.Run("the office sees every catchment of the city, then a ward's", func(t *testing.T) {
		ctx := tab(t, b)
		signIn(t, ctx, page, officeToken)
		require.Equal(t, "ready", settled(t, ctx))
		require.Equal(t, nonEmpty(set), drawn(t, ctx), "one path per catchment of grade 1")
		require.Positive(t, drawn(t, ctx))
		require.Equal(t, "office: admissions-office", eval[string](t, ctx, `document.getElementById("viewer").textContent`))

		do(t, ctx, chromedp.Navigate(page+"?round=2026-test&level=grade1&ward="+own))
		require.Equal(t, "ready", settled(t, ctx))
		require.Equal(t, nonEmpty(set.InWard(own, "")), drawn(t, ctx))
		require.Equal(t, len(set.InWard(own, "").Catchments), eval[int](t, ctx, `document.querySelectorAll("path.school").length`))
	})

	t.Run("a click on a school shows its schools.csv figures", func(t *testing.T) {
		ctx := tab(t, b)
		signIn(t, ctx, page+"?round=2026-test&level=grade1&ward="+own, officeToken)
		require.Equal(t, "ready", settled(t, ctx))
		// a school whose marker is not covered by another's
		id := eval[string](t, ctx, `(() => {
			for (const el of document.querySelectorAll("path.school")) {
				const r = el.getBoundingClientRect();
				if (document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === el) return el.dataset.school;
			}
			return "";
		})()`)
		require.NotEmpty(t, id, "some school marker is uncovered")
		do(t, ctx, chromedp.Click(chromedp.CSS(`path.school[data-school="`+id+`"]`)), chromedp.WaitVisible(chromedp.CSS("#details")))
		field := func(name string) string {
			return eval[string](t, ctx, `document.querySelector('#details [data-field="`+name+`"]').textContent`)
		}
		row := schoolsRow(t, cityRound, id, "grade1")
		require.Equal(t, id, field("school_id"))
		require.Equal(t, row[2], field("seats"))
		require.Equal(t, row[3], field("assigned"))
		require.Equal(t, row[4], field("classes"))
		priority := row[5]
		if priority == "" && row[6] != "" {
			priority = "(none)"
		}
		require.Equal(t, priority, field("cutoff_priority"))
		require.Equal(t, row[6], field("cutoff_residence"))
		require.Equal(t, row[7], field("cutoff_distance_m"))
		require.Equal(t, row[8], field("cutoff_lottery"))
		seats, _ := strconv.Atoi(row[2])
		assigned, _ := strconv.Atoi(row[3])
		require.Equal(t, strconv.FormatFloat(100*float64(assigned)/float64(seats), 'f', 1, 64)+"%", field("fill"))
		require.Contains(t, field("name"), "Trường", "Vietnamese names render")
		require.Equal(t, id, eval[string](t, ctx, `document.body.dataset.selected`))

		shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		require.NoError(t, err)
		path := filepath.Join(t.TempDir(), "screenshot.png")
		require.NoError(t, os.WriteFile(path, shot, 0o644))
		t.Logf("screenshot: %s (%d bytes)", path, len(shot))
		if keep := os.Getenv("CATCHMENT_SCREENSHOT"); keep != "" {
			require.NoError(t, os.WriteFile(keep, shot, 0o644)) // to look at it
		}
		if *update && len(shot) < 300<<10 {
			require.NoError(t, os.WriteFile(filepath.Join("testdata", "screenshot.png"), shot, 0o644))
		}
	})

	t.Run("a ward official sees their ward, approves, and cannot load another ward", func(t *testing.T) {
		ctx := tab(t, b)
		signIn(t, ctx, page, wardToken)
		require.Equal(t, "ready", settled(t, ctx))
		require.Equal(t, own, eval[string](t, ctx, `document.getElementById("ward").value`), "their ward is chosen for them")
		require.Equal(t, nonEmpty(set.InWard(own, "")), drawn(t, ctx))
		require.Equal(t, 1, eval[int](t, ctx, `document.getElementById("ward").options.length`), "the picker offers only their ward")

		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#approve")), chromedp.SendKeys(chromedp.CSS("#note"), "Khớp với thực tế"),
			chromedp.Click(chromedp.CSS("#approve")))
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		approved, err := chromedp.Run(tctx, chromedp.Poll[string](`document.body.dataset.approved`))
		require.NoError(t, err)
		require.Equal(t, own+"/grade1", approved)
		recorded := src.recorded()
		require.Len(t, recorded, 1)
		require.Equal(t, Approval{RoundID: "2026-test", Ward: own, Level: "grade1", By: "ward-official", Note: "Khớp với thực tế",
			Digest: recorded[0].Digest}, recorded[0])
		require.Len(t, recorded[0].Digest, 64)
		require.Contains(t, eval[string](t, ctx, `document.getElementById("approval-list").textContent`), "approved by ward-official")

		do(t, ctx, chromedp.Navigate(page+"?round=2026-test&level=grade1&ward="+other))
		require.Equal(t, "forbidden", settled(t, ctx))
		msg := eval[string](t, ctx, `document.getElementById("error").textContent`)
		require.Contains(t, msg, "403")
		require.Contains(t, msg, "cannot see ward "+other)
		require.True(t, eval[bool](t, ctx, `!document.getElementById("error").hidden`), "the refusal is shown")
		require.Zero(t, drawn(t, ctx), "nothing of the other ward is drawn")
	})

	t.Run("a wrong token is refused with 401 and the page asks again", func(t *testing.T) {
		ctx := tab(t, b)
		signIn(t, ctx, page, "not-a-token")
		require.Equal(t, "login", settled(t, ctx))
		require.Contains(t, eval[string](t, ctx, `document.getElementById("login-message").textContent`), "401")
		require.Empty(t, eval[string](t, ctx, `sessionStorage.getItem("catchment.token") || ""`), "the bad token is forgotten")
	})
}
