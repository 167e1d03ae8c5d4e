package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// rawFeature is one feature split out of a FeatureCollection, its
// properties still undecoded.
type rawFeature struct {
	Type       string                     `json:"type"`
	ID         json.RawMessage            `json:"id"`
	Geometry   json.RawMessage            `json:"geometry"`
	Properties map[string]json.RawMessage `json:"properties"`
}

// splitFeatures checks that data is a GeoJSON FeatureCollection and returns
// its features undecoded, with their byte offsets. A problem here concerns
// the whole file, or names the feature whose JSON is malformed.
func splitFeatures(file string, data []byte) ([]json.RawMessage, Problems) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, Problems{{File: file, Feature: WholeFile, Msg: "empty file"}}
	}
	c, err := splitCollection(data)
	if err != nil {
		p := Problem{File: file, Feature: WholeFile, Msg: "malformed JSON: " + describeJSONError(data, err)}
		var fe *featureSyntaxError
		if errors.As(err, &fe) {
			p.Feature = fe.feature
		}
		return nil, Problems{p}
	}
	switch {
	case c.typ != "FeatureCollection":
		return nil, Problems{{File: file, Feature: WholeFile, Property: "type", Msg: fmt.Sprintf("%q, want \"FeatureCollection\"", c.typ)}}
	case !c.hasFeatures:
		return nil, Problems{{File: file, Feature: WholeFile, Msg: "no \"features\" array"}}
	}
	return c.features, nil
}

// describeJSONError adds the line and column of a syntax error.
func describeJSONError(data []byte, err error) string {
	var se *syntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, int64(se.offset))
		return fmt.Sprintf("%s at line %d, column %d", se.msg, line, col)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "unexpected end of file"
	}
	return err.Error()
}

func lineCol(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, col
}

// outcome is how far one feature decoded.
type outcome uint8

const (
	unusable outcome = iota // not a GeoJSON Feature object: nothing decoded
	flawed                  // a Feature with problems: its value holds what did decode
	clean                   // decoded without a problem
)

// parseFeatures decodes every raw feature with parse, on all cores, and
// returns in file order every feature that is a GeoJSON Feature object,
// with problems or not, its outcome, and every problem found. parse
// reports problems through l and returns ok=false when the feature has
// any; the value it returns then keeps the zero value for each property
// with a problem. The slice is never nil, so that callers can tell a file
// that was read from one that could not be split into features.
//
// fast, when not nil, is tried first on each raw feature; it returns
// ok=false to leave the feature to parse.
func parseFeatures[T any](file string, raws []json.RawMessage, fast func(i int, raw json.RawMessage) (T, bool), parse func(l *located, f *rawFeature) (T, bool)) ([]T, []outcome, Problems) {
	out := make([]T, len(raws))
	got := make([]outcome, len(raws))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(raws)/2048))
	chunk := (len(raws) + workers - 1) / max(workers, 1)
	probs := make([]Problems, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(raws))
		wg.Add(1)
		go func(w, lo, hi int) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				if fast != nil {
					var ok bool
					if out[i], ok = fast(i, raws[i]); ok {
						got[i] = clean
						continue
					}
				}
				out[i], got[i] = parseFeature(file, i, raws[i], &probs[w], parse)
			}
		}(w, lo, hi)
	}
	wg.Wait()
	var all Problems
	for _, ps := range probs {
		all = append(all, ps...)
	}
	kept, keptGot := out[:0], got[:0]
	for i := range out {
		if got[i] != unusable {
			kept, keptGot = append(kept, out[i]), append(keptGot, got[i])
		}
	}
	return kept, keptGot, all
}

// parseFeature decodes one raw feature with parse and says how far it got.
func parseFeature[T any](file string, i int, raw json.RawMessage, ps *Problems, parse func(l *located, f *rawFeature) (T, bool)) (T, outcome) {
	var zero T
	l := &located{file: file, feature: i, out: ps}
	var f rawFeature
	if err := json.Unmarshal(raw, &f); err != nil {
		l.add("", "not a GeoJSON feature: %v", err)
		return zero, unusable
	}
	if f.Type != "Feature" {
		l.add("", "type is %q, want \"Feature\"", f.Type)
		return zero, unusable
	}
	v, ok := parse(l, &f)
	if !ok {
		return v, flawed
	}
	return v, clean
}

// featureID returns the feature's id: the "id" property, or else the
// GeoJSON feature id when it is a string or an integer. It reports a
// missing or malformed id.
func featureID(l *located, f *rawFeature, property string) (string, bool) {
	if raw, ok := f.Properties[property]; ok && !isNull(raw) {
		s, isString, valid := decodeString(raw)
		switch {
		case !isString || s == "":
			l.add(property, "want a non-empty string, got %s", clip(raw))
			return "", false
		case !valid:
			l.add(property, msgInvalidUTF8)
			return "", false
		}
		l.id = s
		return s, true
	}
	if len(f.ID) > 0 && !isNull(f.ID) {
		s, isString, valid := decodeString(f.ID)
		if isString && !valid {
			l.add("id", "the feature id: %s", msgInvalidUTF8)
			return "", false
		}
		if isString && s != "" {
			l.id = s
			return s, true
		}
		var n json.Number
		if json.Unmarshal(f.ID, &n) == nil {
			if _, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
				l.id = n.String()
				return n.String(), true
			}
		}
	}
	l.add(property, "missing (a non-empty string is required)")
	return "", false
}

func isNull(raw json.RawMessage) bool {
	return len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// clip shortens a raw JSON value for an error message, cutting between
// characters, and shows any invalid UTF-8 as U+FFFD so that the message
// stays UTF-8 text.
func clip(raw json.RawMessage) string {
	const n = 40
	s, more := string(raw), ""
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s, more = s[:cut], "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD") + more
}

// checkUniqueIDs reports every feature whose id repeats an earlier one;
// an empty id (one that did not decode) is skipped.
func checkUniqueIDs(file string, ids []string, features []int) Problems {
	first := make(map[string]int, len(ids))
	var ps Problems
	for i, id := range ids {
		if id == "" {
			continue
		}
		if at, dup := first[id]; dup {
			ps = append(ps, Problem{File: file, Feature: features[i], ID: id, Property: "id",
				Msg: fmt.Sprintf("duplicate id (first used by feature %d)", at)})
			continue
		}
		first[id] = features[i]
	}
	return ps
}
