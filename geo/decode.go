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
// its features undecoded. A problem here concerns the whole file, or names
// the feature whose JSON is malformed.
func splitFeatures(file string, data []byte) ([]json.RawMessage, Problems) {
	whole := func(format string, args ...any) Problems {
		return Problems{{File: file, Feature: WholeFile, Msg: fmt.Sprintf(format, args...)}}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, whole("empty file")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, whole("not a GeoJSON object: %s", describeJSONError(data, err))
	}
	var features []json.RawMessage
	var typ string
	sawFeatures := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, whole("malformed JSON: %s", describeJSONError(data, err))
		}
		switch key {
		case "type":
			if err := dec.Decode(&typ); err != nil {
				return nil, whole("malformed \"type\": %s", describeJSONError(data, err))
			}
		case "features":
			sawFeatures = true
			var ps Problems
			features, ps = decodeFeatureArray(file, data, dec)
			if ps != nil {
				return nil, ps
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, whole("malformed JSON in %q: %s", key, describeJSONError(data, err))
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, whole("malformed JSON: %s", describeJSONError(data, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, whole("unexpected data after the FeatureCollection")
	}
	if typ != "FeatureCollection" {
		return nil, whole("type is %q, want \"FeatureCollection\"", typ)
	}
	if !sawFeatures {
		return nil, whole("no \"features\" array")
	}
	return features, nil
}

func decodeFeatureArray(file string, data []byte, dec *json.Decoder) ([]json.RawMessage, Problems) {
	if err := expectDelim(dec, '['); err != nil {
		return nil, Problems{{File: file, Feature: WholeFile, Property: "features", Msg: "not an array: " + describeJSONError(data, err)}}
	}
	var out []json.RawMessage
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, Problems{{File: file, Feature: len(out), Msg: "malformed JSON: " + describeJSONError(data, err)}}
		}
		out = append(out, raw)
	}
	if err := expectDelim(dec, ']'); err != nil {
		return nil, Problems{{File: file, Feature: len(out), Msg: "malformed JSON: " + describeJSONError(data, err)}}
	}
	return out, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("found %v where %q was expected", tok, string(want))
	}
	return nil
}

// describeJSONError adds the line and column of a syntax error.
func describeJSONError(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, se.Offset)
		return fmt.Sprintf("%v at line %d, column %d", se, line, col)
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
func parseFeatures[T any](file string, raws []json.RawMessage, parse func(l *located, f *rawFeature) (T, bool)) ([]T, Problems) {
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
