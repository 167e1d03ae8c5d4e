package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
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

// parseFeatures decodes every raw feature with parse, on all cores, and
// returns the results in file order together with every problem found.
// parse reports problems through l and returns ok=false when the feature is
// unusable.
//
// fast, when not nil, is tried first on each raw feature; it returns
// ok=false to leave the feature to parse.
func parseFeatures[T any](file string, raws []json.RawMessage, fast func(i int, raw json.RawMessage) (T, bool), parse func(l *located, f *rawFeature) (T, bool)) ([]T, Problems) {
	out := make([]T, len(raws))
	okAt := make([]bool, len(raws))
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
					if out[i], okAt[i] = fast(i, raws[i]); okAt[i] {
						continue
					}
				}
				out[i], okAt[i] = parseOne(file, i, raws[i], &probs[w], parse)
			}
		}(w, lo, hi)
	}
	wg.Wait()
	var all Problems
	for _, ps := range probs {
		all = append(all, ps...)
	}
	kept := out[:0]
	for i := range out {
		if okAt[i] {
			kept = append(kept, out[i])
		}
	}
	return kept, all
}

func parseOne[T any](file string, i int, raw json.RawMessage, ps *Problems, parse func(l *located, f *rawFeature) (T, bool)) (T, bool) {
	var zero T
	l := &located{file: file, feature: i, out: ps}
	var f rawFeature
	if err := json.Unmarshal(raw, &f); err != nil {
		l.add("", "not a GeoJSON feature: %v", err)
		return zero, false
	}
	if f.Type != "Feature" {
		l.add("", "type is %q, want \"Feature\"", f.Type)
		return zero, false
	}
	return parse(l, &f)
}

// featureID returns the feature's id: the "id" property, or else the
// GeoJSON feature id when it is a string or an integer. It reports a
// missing or malformed id.
func featureID(l *located, f *rawFeature, property string) (string, bool) {
	if raw, ok := f.Properties[property]; ok && !isNull(raw) {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || s == "" {
			l.add(property, "want a non-empty string, got %s", clip(raw))
			return "", false
		}
		l.id = s
		return s, true
	}
	if len(f.ID) > 0 && !isNull(f.ID) {
		var s string
		if json.Unmarshal(f.ID, &s) == nil && s != "" {
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

// clip shortens a raw JSON value for an error message.
func clip(raw json.RawMessage) string {
	const n = 40
	if len(raw) > n {
		return string(raw[:n]) + "..."
	}
	return string(raw)
}

// checkUniqueIDs reports every feature whose id repeats an earlier one.
func checkUniqueIDs(file string, ids []string, features []int) Problems {
	first := make(map[string]int, len(ids))
	var ps Problems
	for i, id := range ids {
		if at, dup := first[id]; dup {
			ps = append(ps, Problem{File: file, Feature: features[i], ID: id, Property: "id",
				Msg: fmt.Sprintf("duplicate id (first used by feature %d)", at)})
			continue
		}
		first[id] = features[i]
	}
	return ps
}
