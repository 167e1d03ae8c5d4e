package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
	"github.com/catchment/catchment/round"
)

func engineName() string { return round.Engine }

// inputFlags are the input file flags shared by allocate and validate.
type inputFlags struct {
	paths map[round.Role]*string
}

func addInputFlags(fs interface {
	String(name, value, usage string) *string
}) inputFlags {
	return inputFlags{paths: map[round.Role]*string{
		round.RoleSchools:    fs.String("schools", "", "schools GeoJSON (required)"),
		round.RoleApplicants: fs.String("applicants", "", "applicants GeoJSON (required)"),
		round.RoleWards:      fs.String("wards", "", "wards GeoJSON (optional: per-ward figures by home)"),
		round.RoleCatchments: fs.String("catchments", "", "published catchments GeoJSON (optional: in_catchment priority)"),
		round.RolePolicy:     fs.String("policy", "", "policy JSON (optional: built-in defaults otherwise)"),
	}}
}

// read loads every given input; relTo, when not empty, makes the manifest
// record paths relative to that directory.
func (f inputFlags) read(relTo string) (round.Inputs, error) {
	in := round.Inputs{}
	for _, role := range round.Roles {
		path := *f.paths[role]
		if path == "" {
			continue
		}
		src, err := round.ReadSource(path)
		if err != nil {
			return nil, err
		}
		if relTo != "" {
			src.ManifestPath = manifestPath(relTo, path)
		}
		in[role] = src
	}
	return in, nil
}

// manifestPath expresses path relative to the round directory, so that a
// round directory moved together with its inputs still replays.
func manifestPath(outDir, path string) string {
	absOut, err1 := filepath.Abs(outDir)
	absIn, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return path
	}
	if rel, err := filepath.Rel(absOut, absIn); err == nil {
		return filepath.ToSlash(rel)
	}
	return absIn
}

// parseLevels reads --level: a level code, a comma-separated list, or all.
func parseLevels(s string) ([]geo.Level, error) {
	if s == "" || s == "all" {
		return nil, nil
	}
	var out []geo.Level
	for _, code := range strings.Split(s, ",") {
		l, err := geo.ParseLevel(strings.TrimSpace(code))
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

func runAllocate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("allocate", "--schools F --applicants F --year Y --seed S --out DIR [flags]",
		"Run one allocation round and write DIR with assignments.csv, schools.csv, summary.json and\n"+
			"manifest.json. DIR must not exist; it appears only when the round is complete.", stderr)
	inputs := addInputFlags(fs)
	year := fs.Int("year", 0, "calendar year the school year starts, e.g. 2026 (required)")
	seed := fs.String("seed", "", "lottery seed, recorded in the manifest (required)")
	out := fs.String("out", "", "output directory to create (required)")
	level := fs.String("level", "all", "level code, comma-separated codes, or all")
	mode := fs.String("mode", "stable", "stable (deferred acceptance) or optimal (min-cost flow)")
	timeLimit := fs.Duration("time-limit", 0, "give up after this long, e.g. 2m (0: no limit)")
	compare := fs.Bool("compare", true, "also run the other mode and report the price of stability in summary.json")
	quiet := fs.Bool("q", false, "no progress on stderr")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	switch {
	case *inputs.paths[round.RoleSchools] == "" || *inputs.paths[round.RoleApplicants] == "":
		return usageError(fs, stderr, "--schools and --applicants are required")
	case *year == 0:
		return usageError(fs, stderr, "--year is required")
	case *seed == "":
		return usageError(fs, stderr, "--seed is required")
	case *out == "":
		return usageError(fs, stderr, "--out is required")
	case *mode != string(allocator.Stable) && *mode != string(allocator.Optimal):
		return usageError(fs, stderr, "--mode must be stable or optimal")
	}
	levels, err := parseLevels(*level)
	if err != nil {
		return usageError(fs, stderr, "--level: %v", err)
	}
	if err := round.CheckOutDir(*out); err != nil {
		return err
	}
	if *timeLimit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeLimit)
		defer cancel()
	}
	prog := newProgress(stderr, *quiet)
	done := prog.step("read inputs")
	in, err := inputs.read(*out)
	if err != nil {
		return err
	}
	done()
	rd, err := round.Run(ctx, round.Request{Inputs: in, Year: *year, Seed: *seed, Mode: allocator.Mode(*mode), Levels: levels,
		Compare: *compare, Progress: prog.report})
	if err != nil {
		return explainTimeout(ctx, err, *timeLimit)
	}
	done = prog.step("write " + *out)
	if err := rd.WriteDir(*out); err != nil {
		return err
	}
	done()
	printSummary(stdout, *out, &rd.Summary)
	return nil
}

// explainTimeout turns an expired --time-limit into a clear message.
func explainTimeout(ctx context.Context, err error, limit time.Duration) error {
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("the round did not finish within --time-limit %s; nothing was written (%w)", limit, err)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted; nothing was written (%w)", err)
	}
	return err
}

// printSummary prints the headline figures of a round.
func printSummary(w io.Writer, dir string, s *round.Summary) {
	fmt.Fprintf(w, "round written to %s (%s, mode %s, year %d, seed %q)\n", dir, s.Engine, s.Mode, s.Year, s.Seed)
	fmt.Fprintf(w, "%-10s %9s %9s %9s %9s %7s %7s %8s %8s %7s\n", "level", "applicant", "assigned", "unassign", "inelig", "placed", "fill", "mean_m", "p95_m", "max_m")
	rows := append(append([]round.LevelSummary{}, s.Levels...), s.Totals)
	for _, l := range rows {
		fmt.Fprintf(w, "%-10s %9d %9d %9d %9d %6.1f%% %6.1f%% %8.0f %8d %7d\n", l.Level, l.Applicants, l.Assigned, l.Unassigned,
			l.Ineligible, 100*l.PlacedShare, 100*l.FillRate, l.Distance.Mean, l.Distance.P95, l.Distance.Max)
	}
	if len(s.PriceOfStability) > 0 {
		fmt.Fprintf(w, "\nprice of stability (stable vs distance-optimal)\n%-10s %9s %9s %14s %14s %9s %11s\n",
			"level", "stable", "optimal", "stable_dist_m", "optimal_dist_m", "changed", "envy_pairs")
		for _, c := range s.PriceOfStability {
			fmt.Fprintf(w, "%-10s %9d %9d %14d %14d %9d %11d\n", c.Level, c.StableAssigned, c.OptimalAssigned,
				c.StableDistanceM, c.OptimalDistanceM, c.ChangedSchool, c.OptimalEnvyPairs)
		}
	}
	for _, o := range s.Optimality {
		if !o.Verified {
			fmt.Fprintf(w, "WARNING: %s optimality certificate not verified\n", o.Level)
		}
	}
	for _, msg := range s.Warnings {
		fmt.Fprintf(w, "warning: %s\n", msg)
	}
}
