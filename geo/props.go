package geo

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
)

// Property readers: each reports a located problem and returns ok=false when
// the value is present but malformed. An absent or null property yields the
// zero value, present=false.

// msgInvalidUTF8 is the problem of a string that is not UTF-8 text.
const msgInvalidUTF8 = "invalid UTF-8 (an invalid byte sequence or an unpaired \\u surrogate escape); text must be valid UTF-8"

// decodeString decodes a JSON string. validUTF8 is false when the string
// holds invalid UTF-8 bytes or an unpaired surrogate escape, which
// encoding/json would silently replace with U+FFFD: two distinct ids could
// then become one, and a changed id be written out.
func decodeString(raw json.RawMessage) (s string, isString, validUTF8 bool) {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '"' || json.Unmarshal(t, &s) != nil {
		return "", false, false
	}
	if !strings.ContainsRune(s, utf8.RuneError) {
		return s, true, true // encoding/json replaced nothing
	}
	var strict string // U+FFFD may be in the text itself: ask the strict decoder
	return s, true, jsonv2.Unmarshal(raw, &strict) == nil
}

func (l *located) optString(f *rawFeature, name string) (v string, present, ok bool) {
	raw, has := f.Properties[name]
	if !has || isNull(raw) {
		return "", false, true
	}
	v, isString, valid := decodeString(raw)
	switch {
	case !isString:
		l.add(name, "want a string, got %s", clip(raw))
		return "", true, false
	case !valid:
		l.add(name, msgInvalidUTF8)
		return "", true, false
	}
	return v, true, true
}

func (l *located) reqString(f *rawFeature, name string) (string, bool) {
	v, present, ok := l.optString(f, name)
	if ok && (!present || v == "") {
		l.add(name, "missing (a non-empty string is required)")
		return "", false
	}
	return v, ok
}

func (l *located) optBool(f *rawFeature, name string) (v, ok bool) {
	raw, has := f.Properties[name]
	if !has || isNull(raw) {
		return false, true
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		l.add(name, "want true or false, got %s", clip(raw))
		return false, false
	}
	return v, true
}

func (l *located) reqInt(f *rawFeature, name string) (int, bool) {
	raw, has := f.Properties[name]
	if !has || isNull(raw) {
		l.add(name, "missing (an integer is required)")
		return 0, false
	}
	return l.integer(name, raw)
}

func (l *located) integer(name string, raw json.RawMessage) (int, bool) {
	var n json.Number
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] != '"' && json.Unmarshal(t, &n) == nil {
		if v, err := strconv.Atoi(n.String()); err == nil {
			return v, true
		}
		if fv, err := n.Float64(); err == nil && fv == float64(int64(fv)) && fv > -1e15 && fv < 1e15 {
			return int(fv), true
		}
	}
	l.add(name, "want an integer, got %s", clip(raw))
	return 0, false
}

func (l *located) optStrings(f *rawFeature, name string) ([]string, bool) {
	raw, has := f.Properties[name]
	if !has || isNull(raw) {
		return nil, true
	}
	v, ok := l.stringEntries(name, raw)
	if !ok {
		return nil, false
	}
	seen := make(map[string]bool, len(v))
	for i, s := range v {
		if s == "" {
			l.add(name, "entry %d is empty", i)
			return nil, false
		}
		if seen[s] {
			l.add(name, "%q is listed twice", s)
			return nil, false
		}
		seen[s] = true
	}
	return v, true
}

// stringEntries decodes an array of strings, each valid UTF-8; a null
// entry decodes as "".
func (l *located) stringEntries(name string, raw json.RawMessage) ([]string, bool) {
	var entries []json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		l.add(name, "want an array of strings, got %s", clip(raw))
		return nil, false
	}
	v := make([]string, len(entries))
	valid := make([]bool, len(entries))
	for i, e := range entries {
		var isString bool
		if v[i], isString, valid[i] = decodeString(e); !isString && !isNull(e) {
			l.add(name, "want an array of strings, got %s", clip(raw))
			return nil, false
		}
	}
	for i, e := range entries {
		if !valid[i] && !isNull(e) {
			l.add(name, "entry %d: %s", i, msgInvalidUTF8)
			return nil, false
		}
	}
	return v, true
}

// optLevelCounts reads an object mapping level codes to non-negative
// integers, such as "seats" or "classes".
func (l *located) optLevelCounts(f *rawFeature, name string) (counts [NumLevels]int, has [NumLevels]bool, present, ok bool) {
	raw, exists := f.Properties[name]
	if !exists || isNull(raw) {
		return counts, has, false, true
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		l.add(name, "want an object of level -> integer, got %s", clip(raw))
		return counts, has, true, false
	}
	ok = true
	for _, key := range sortedKeys(m) {
		lv, err := ParseLevel(key)
		if err != nil {
			l.add(name, "unknown level %q (want preschool3, preschool4, preschool5, grade1 or grade6)", key)
			ok = false
			continue
		}
		n, good := l.integer(name, m[key])
		if !good {
			ok = false
			continue
		}
		if n < 0 {
			l.add(name, "negative %s %d for %s", name, n, key)
			ok = false
			continue
		}
		counts[lv], has[lv] = n, true
	}
	return counts, has, true, ok
}
