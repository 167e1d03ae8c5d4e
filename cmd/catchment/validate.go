package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/catchment/catchment/geo"
	"github.com/catchment/catchment/round"
)

func runValidate(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("validate", "--schools F --applicants F [--wards F] [--catchments F] [--policy F]",
		"Check the input files and list every problem at once with its file, feature index, id and\n"+
			"property: those of each file, of the policy, and the references between files (preferences\n"+
			"and catchments naming unknown schools, priority groups the policy does not list).\n"+
			"Feature indexes count from 0, as in jq's .features[N]: \"feature 0\" is the first feature;\n"+
			"a problem about a whole file has no feature index.\n"+
			"Exit status 1 when there is any problem.", stderr)
	inputs := addInputFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *inputs.paths[round.RoleSchools] == "" || *inputs.paths[round.RoleApplicants] == "" {
		return usageError(fs, stderr, "--schools and --applicants are required")
	}
	in, err := inputs.read("")
	if err != nil {
		return err
	}
	ds, err := round.Load(in)
	if ps := geo.AsProblems(err); ps != nil {
		for _, p := range ps {
			fmt.Fprintln(stdout, p.Error())
		}
		fmt.Fprintf(stdout, "%d problem(s)\n", len(ps))
		return errFailed
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ok: %d schools, %d applicants, %d wards, %d catchments\n", len(ds.Schools), len(ds.Applicants), len(ds.Wards), len(ds.Catchments))
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
