package geo

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// WholeFile is the Feature index of a Problem about a file as a whole
// (malformed JSON, empty file, not a FeatureCollection).
const WholeFile = -1

// Problem is one located defect of an input file. Feature is the 0-based
// index into the file's "features" array (as in jq's .features[17]), or
// WholeFile.
type Problem struct {
	File     string // file name as given by the caller
	Feature  int    // 0-based feature index, or WholeFile
	ID       string // the feature's id, when it has one
	Property string // property name, "geometry", or "" when not about one property
	Msg      string
}

// Error formats the problem as
// `schools.geojson: feature 17 (id "S0001"): property "seats": negative seats -5 for grade1`.
func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Feature != WholeFile {
		b.WriteString(": feature ")
		b.WriteString(strconv.Itoa(p.Feature))
		if p.ID != "" {
			b.WriteString(" (id ")
			b.WriteString(strconv.Quote(p.ID))
			b.WriteString(")")
		}
	}
	if p.Property != "" {
		b.WriteString(": property ")
		b.WriteString(strconv.Quote(p.Property))
	}
	b.WriteString(": ")
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem found in one or more input files, in file order
// then feature order. It is returned as an error when not empty.
type Problems []Problem

// MaxProblemsInError is how many problems Problems.Error spells out before
// summarising the rest by count; Problems itself keeps them all.
const MaxProblemsInError = 20

// Error lists the first MaxProblemsInError problems, one per line, and how
// many more there are.
func (ps Problems) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "geo: %d problem(s) in input:", len(ps))
	for i, p := range ps {
		if i == MaxProblemsInError {
			fmt.Fprintf(&b, "\n  ... and %d more", len(ps)-i)
			break
		}
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Err returns ps as an error, or nil when there are no problems.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// AsProblems returns the problems carried by err (directly or wrapped), or
// nil when err carries none.
func AsProblems(err error) Problems {
	var ps Problems
	if errors.As(err, &ps) {
		return ps
	}
	return nil
}

// located builds problems for one feature of one file.
type located struct {
	file    string
	feature int
	id      string
	out     *Problems
}

func (l *located) add(property, format string, args ...any) {
	*l.out = append(*l.out, Problem{File: l.file, Feature: l.feature, ID: l.id, Property: property, Msg: fmt.Sprintf(format, args...)})
}
