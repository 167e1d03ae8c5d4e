package geo

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Property readers: each reports a located problem and returns ok=false when
// the value is present but malformed. An absent or null property yields the
// zero value, present=false.

func (l *located) optString(f *rawFeature, name string) (v string, present, ok bool) {
	raw, has := f.Properties[name]
	if !has || isNull(raw) {
		return "", false, true
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		l.add(name, "want a string, got %s", clip(raw))
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
	var v []string
	if err := json.Unmarshal(raw, &v); err != nil {
		l.add(name, "want an array of strings, got %s", clip(raw))
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
