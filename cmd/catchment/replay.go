package main

import (
	"context"
	"fmt"
	"io"

	"github.com/catchment/catchment/round"
)

// overrideFlags let an auditor point replay and explain at their own
// copies of the inputs; their hashes are still checked.
func overrideFlags(fs interface {
	String(name, value, usage string) *string
}) map[round.Role]*string {
	m := map[round.Role]*string{}
	for _, role := range round.Roles {
		m[role] = fs.String(string(role), "", fmt.Sprintf("read the %s input from this path instead of the manifest's", role))
	}
	return m
}

func overrides(m map[round.Role]*string) map[round.Role]string {
	out := map[round.Role]string{}
	for role, p := range m {
		if *p != "" {
			out[role] = *p
		}
	}
	return out
}

func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("replay", "[flags] DIR", "Re-read the inputs named in DIR/manifest.json (refusing any whose SHA-256 changed), run the\n"+
		"round again and compare every output byte. Exit 0 only if every file matches.", stderr)
	paths := overrideFlags(fs)
	quiet := fs.Bool("q", false, "no progress on stderr")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, stderr, "give exactly one round directory")
	}
	dir := fs.Arg(0)
	rep, err := round.Replay(ctx, dir, round.DirResolver(dir, overrides(paths)), newProgress(stderr, *quiet).report)
	if err != nil {
		return err
	}
	for _, f := range rep.Matching {
		fmt.Fprintf(stdout, "match   %s\n", f)
	}
	for _, f := range rep.Differ {
		fmt.Fprintf(stdout, "DIFFERS %s\n", f)
	}
	if !rep.OK() {
		fmt.Fprintf(stdout, "replay FAILED: %d file(s) differ\n", len(rep.Differ))
		return errFailed
	}
	fmt.Fprintf(stdout, "replay verified: %d files identical (round made by %s)\n", len(rep.Matching), rep.Engine)
	return nil
}

func runExplain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("explain", "[flags] DIR APPLICANT_ID", "Explain where the applicant was placed in the round in DIR and, for every school it\n"+
		"ranked higher, what beat it there. Re-runs the applicant's level from the manifest.", stderr)
	paths := overrideFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageError(fs, stderr, "give a round directory and an applicant id")
	}
	dir := fs.Arg(0)
	e, err := round.Explain(ctx, dir, round.DirResolver(dir, overrides(paths)), fs.Arg(1))
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, e)
	}
	fmt.Fprint(stdout, e.Text())
	return nil
}
