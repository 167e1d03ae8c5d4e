package main

import (
	"context"
	"fmt"
	"io"

	"github.com/catchment/catchment/seeds"
)

func runGen(_ context.Context, args []string, stdout, stderr io.Writer) error {
	def := seeds.DefaultConfig()
	fs := newFlags("gen", "--out DIR [flags]", "Generate the synthetic demo city (schools, applicants, wards, boundary, rivers, roads,\n"+
		"policy) into DIR. The same flags always give byte-identical files.", stderr)
	out := fs.String("out", "", "directory to write (required)")
	seed := fs.Int64("seed", def.Seed, "generator seed")
	year := fs.Int("year", def.Year, "calendar year the school year starts")
	apps := fs.Int("applicants", def.Applicants, "applicants over all levels")
	schools := fs.Int("schools", def.SchoolsPerLevel, "schools per level group")
	wards := fs.Int("wards", def.Wards, "wards")
	quiet := fs.Bool("q", false, "no progress on stderr")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError(fs, stderr, "--out is required")
	}
	cfg := seeds.Config{Seed: *seed, Year: *year, Applicants: *apps, SchoolsPerLevel: *schools, Wards: *wards}
	prog := newProgress(stderr, *quiet)
	city, err := seeds.Generate(cfg, prog.report)
	if err != nil {
		return err
	}
	if err := city.WriteDir(*out, prog.report); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo city written to %s\n%s", *out, city.Stats())
	return nil
}
