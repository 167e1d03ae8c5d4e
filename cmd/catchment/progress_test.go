package main

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestProgressAnnouncesEveryRunOfARepeatedStage(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, false)
	for range 2 { // an optimal round's augment stage runs once per pricing round
		p.report("optimal grade1 augment", 0, 10)
		p.report("optimal grade1 augment", 5, 10)
		p.report("optimal grade1 augment", 10, 10)
	}
	p.report("optimal grade1 augment", 10, 10) // a repeated end prints nothing
	lines := regexp.MustCompile(`\] (.*?)( in .*)?\n`).FindAllStringSubmatch(out.String(), -1)
	var got []string
	for _, l := range lines {
		got = append(got, l[1])
	}
	require.Equal(t, []string{"optimal grade1 augment ...", "optimal grade1 augment done",
		"optimal grade1 augment ...", "optimal grade1 augment done"}, got, out.String())
}

func TestQuietProgressPrintsNothing(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, true)
	p.step("load inputs")()
	require.Empty(t, out.String())
}
