package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/catchment/catchment/geo"
	"github.com/catchment/catchment/maps"
	"github.com/catchment/catchment/round"
	"github.com/paulmach/orb"
)

func runCatchments(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("catchments", "--round DIR --out FILE.geojson [flags]",
		"Derive each school's catchment from a round: the area whose addresses belong to the school\n"+
			"(the nearest placed home of the level within the cap), as GeoJSON polygons with the school's\n"+
			"seats, fill and cutoff, clipped to the city boundary. Catchments in several parts or without\n"+
			"their school are listed under \"problems\" and on stdout. The round is re-run from its manifest\n"+
			"(inputs hash-checked); the same round always gives the same bytes.", stderr)
	rf := addRoundFlags(fs)
	out := fs.String("out", "", "GeoJSON file to write (required)")
	level := fs.String("level", "all", "level code, comma-separated codes, or all")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *rf.dir == "":
		return usageError(fs, stderr, "--round is required")
	case *out == "":
		return usageError(fs, stderr, "--out is required")
	}
	levels, err := parseLevels(*level)
	if err != nil {
		return usageError(fs, stderr, "--level: %v", err)
	}
	prog := newProgress(stderr, *rf.quiet)
	lr, err := rf.load(ctx, levels, prog)
	if err != nil {
		return err
	}
	set, err := maps.Derive(ctx, lr.rd.Result, levels, maps.Options{CellM: *rf.cellM, Boundary: lr.boundary,
		Wards: lr.rd.Dataset.Wards, Rivers: lr.rivers, Progress: prog.report})
	if err != nil {
		return err
	}
	done := prog.step("write " + *out)
	if err := writeFileAtomic(*out, set.GeoJSON()); err != nil {
		return err
	}
	done()
	printCatchments(stdout, *out, set)
	return nil
}

// printCatchments prints what was written and the problems found.
func printCatchments(w io.Writer, out string, set *maps.Set) {
	empty := 0
	for _, c := range set.Catchments {
		if len(c.Shape) == 0 {
			empty++
		}
	}
	fmt.Fprintf(w, "%d catchments written to %s (cells of %v m, clipped to the %s; %d empty)\n",
		len(set.Catchments), out, set.CellM, clipName(set.Clip), empty)
	kinds := map[string]int{}
	for _, p := range set.Problems {
		kinds[p.Kind]++
	}
	for _, k := range []string{maps.ProblemNotContiguous, maps.ProblemSchoolOutside, maps.ProblemCrossesRiver, maps.ProblemEmpty} {
		fmt.Fprintf(w, "%-15s %6d\n", k, kinds[k])
	}
	for i, p := range set.Problems {
		if i == 20 {
			fmt.Fprintf(w, "... and %d more problems in the file\n", len(set.Problems)-20)
			break
		}
		fmt.Fprintf(w, "  %s %s %s: %s\n", p.SchoolID, p.Level, p.Kind, p.Message)
	}
}

func clipName(kind string) string {
	switch kind {
	case maps.ClipBoundary:
		return "city boundary"
	case maps.ClipWards:
		return "union of the wards"
	}
	return "placed homes' reach (no boundary or wards)"
}

// roundFlags are the flags of the commands that read a round directory.
type roundFlags struct {
	dir, boundary *string
	rivers        *string
	cellM         *float64
	quiet         *bool
	paths         map[round.Role]*string
}

func addRoundFlags(fs *flag.FlagSet) roundFlags {
	return roundFlags{
		dir:      fs.String("round", "", "round directory (required)"),
		boundary: fs.String("boundary", "", "city outline GeoJSON (default: boundary.geojson beside the schools input, else the union of the wards)"),
		rivers:   fs.String("rivers", "", "rivers GeoJSON, to report catchments across the water (default: rivers.geojson beside the schools input)"),
		cellM:    fs.Float64("cell-m", maps.DefaultCellM, "raster cell size in metres"),
		quiet:    fs.Bool("q", false, "no progress on stderr"),
		paths:    overrideFlags(fs),
	}
}

// loadedRound is a round re-run from its directory, with the base layers
// found beside its inputs.
type loadedRound struct {
	rd        *round.Round
	manifest  *round.Manifest
	schoolDir string // directory of the schools input
	boundary  orb.MultiPolygon
	rivers    []byte // GeoJSON, or nil
}

// load re-runs the round for the levels (nil: all), checks that the re-run
// reproduces the round's schools.csv rows, and reads the boundary.
func (rf roundFlags) load(ctx context.Context, levels []geo.Level, prog *progress) (*loadedRound, error) {
	dir := *rf.dir
	m, err := round.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	for _, l := range levels {
		if !slices.Contains(m.Levels, l.String()) {
			return nil, fmt.Errorf("the round in %s did not allocate %s (it has %s)", dir, l, strings.Join(m.Levels, ", "))
		}
	}
	over := overrides(rf.paths)
	rd, err := round.Rerun(ctx, m, round.DirResolver(dir, over), levels, prog.report)
	if err != nil {
		return nil, err
	}
	if err := checkSchoolsCSV(dir, rd); err != nil {
		return nil, err
	}
	lr := &loadedRound{rd: rd, manifest: m, schoolDir: filepath.Dir(inputPath(dir, m, round.RoleSchools, over))}
	path := lr.beside(*rf.boundary, "boundary.geojson")
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if lr.boundary, err = maps.DecodeBoundary(data); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if !*rf.quiet && *rf.boundary == "" {
			fmt.Fprintf(prog.w, "city boundary from %s\n", path)
		}
	}
	if path := lr.beside(*rf.rivers, "rivers.geojson"); path != "" {
		if lr.rivers, err = os.ReadFile(path); err != nil {
			return nil, err
		}
		if !*rf.quiet && *rf.rivers == "" {
			fmt.Fprintf(prog.w, "rivers from %s\n", path)
		}
	}
	return lr, nil
}

// beside returns flag when set, else the named file in the directory of
// the schools input when it exists, else "".
func (lr *loadedRound) beside(flag, name string) string {
	if flag != "" {
		return flag
	}
	p := filepath.Join(lr.schoolDir, name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// inputPath returns where the round's input of that role is read from.
func inputPath(dir string, m *round.Manifest, role round.Role, over map[round.Role]string) string {
	if p, ok := over[role]; ok {
		return p
	}
	for _, ref := range m.Inputs {
		if ref.Role == role {
			if filepath.IsAbs(ref.Path) {
				return ref.Path
			}
			return filepath.Join(dir, ref.Path)
		}
	}
	return ""
}

// checkSchoolsCSV compares the re-run's schools.csv with the rows of the
// same levels in the round directory: the catchments must describe the
// round as published.
func checkSchoolsCSV(dir string, rd *round.Round) error {
	onDisk, err := os.ReadFile(filepath.Join(dir, round.FileSchools))
	if err != nil {
		return err
	}
	levels := map[string]bool{}
	for _, l := range rd.Result.Levels {
		levels[l.String()] = true
	}
	lines := strings.SplitAfter(string(onDisk), "\n")
	var kept strings.Builder
	for i, line := range lines {
		f := strings.SplitN(line, ",", 3)
		if i == 0 || len(f) == 3 && levels[f[1]] {
			kept.WriteString(line)
		}
	}
	if !bytes.Equal([]byte(kept.String()), rd.File(round.FileSchools)) {
		return fmt.Errorf("re-running the round does not reproduce %s (was it made by another engine version? this is %s)",
			filepath.Join(dir, round.FileSchools), round.Engine)
	}
	return nil
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place.
func writeFileAtomic(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".partial-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func runRender(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("render", "--round DIR --ward CODE --out map.png|map.svg [flags]",
		"Draw a ward's catchments for reports: the catchments of the schools located in the ward in\n"+
			"their colours, neighbouring catchments faded, rivers and main roads on top, ward outlines, the\n"+
			"schools sized by seats and coloured by fill, and a legend with each school's figures. The\n"+
			"format follows the --out extension (.png or .svg). Base layers default to rivers.geojson,\n"+
			"roads.geojson and boundary.geojson beside the round's schools input.", stderr)
	rf := addRoundFlags(fs)
	ward := fs.String("ward", "", "ward code (required)")
	out := fs.String("out", "", "PNG or SVG file to write (required)")
	level := fs.String("level", "", "level code (default: grade1 when the round has it, else its first level)")
	roads := fs.String("roads", "", "roads GeoJSON (default: roads.geojson beside the schools input)")
	width := fs.Int("width", 1200, "width of the map area in pixels")
	if err := parse(fs, args); err != nil {
		return err
	}
	ext := strings.ToLower(filepath.Ext(*out))
	switch {
	case *rf.dir == "":
		return usageError(fs, stderr, "--round is required")
	case *ward == "":
		return usageError(fs, stderr, "--ward is required")
	case *out == "":
		return usageError(fs, stderr, "--out is required")
	case ext != ".png" && ext != ".svg":
		return usageError(fs, stderr, "--out must end in .png or .svg")
	case *width < 200 || *width > 8000:
		return usageError(fs, stderr, "--width must be within [200, 8000]")
	}
	l, err := renderLevel(*rf.dir, *level)
	if err != nil {
		return usageError(fs, stderr, "--level: %v", err)
	}
	prog := newProgress(stderr, *rf.quiet)
	lr, err := rf.load(ctx, []geo.Level{l}, prog)
	if err != nil {
		return err
	}
	wards := lr.rd.Dataset.Wards
	if len(wards) == 0 {
		return fmt.Errorf("the round in %s has no wards input; give --wards FILE", *rf.dir)
	}
	opt := maps.MapOptions{Ward: *ward, Wards: wards, Boundary: lr.boundary, Rivers: lr.rivers, WidthPx: *width}
	if p := lr.beside(*roads, "roads.geojson"); p != "" {
		if opt.Roads, err = os.ReadFile(p); err != nil {
			return err
		}
	}
	set, err := maps.Derive(ctx, lr.rd.Result, []geo.Level{l}, maps.Options{CellM: *rf.cellM, Boundary: lr.boundary,
		Wards: wards, Rivers: lr.rivers, Progress: prog.report})
	if err != nil {
		return err
	}
	done := prog.step("draw " + *out)
	var buf bytes.Buffer
	if ext == ".svg" {
		err = maps.RenderSVG(&buf, set, l, opt)
	} else {
		err = maps.RenderPNG(&buf, set, l, opt)
	}
	if errors.Is(err, maps.ErrNoWard) {
		return fmt.Errorf("ward %q is not in the round's wards", *ward)
	}
	if err != nil {
		return err
	}
	if err := writeFileAtomic(*out, buf.Bytes()); err != nil {
		return err
	}
	done()
	in := set.InWard(*ward, "")
	fmt.Fprintf(stdout, "map of ward %s (%s, %d schools, %d seats, %d admitted) written to %s\n",
		*ward, l, in.Ward.Schools, in.Ward.Seats, in.Ward.Assigned, *out)
	return nil
}

// renderLevel returns the level to draw: the flag's, else grade 1 when the
// round has it, else the round's first level.
func renderLevel(dir, flag string) (geo.Level, error) {
	if flag != "" {
		return geo.ParseLevel(flag)
	}
	m, err := round.ReadManifest(dir)
	if err != nil {
		return 0, err
	}
	if len(m.Levels) == 0 {
		return 0, fmt.Errorf("the round has no levels")
	}
	if slices.Contains(m.Levels, geo.Grade1.String()) {
		return geo.Grade1, nil
	}
	return geo.ParseLevel(m.Levels[0])
}
