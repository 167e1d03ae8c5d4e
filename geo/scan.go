package geo

import (
	"encoding/json"
	"errors"
	"fmt"
)

// The splitter finds the features of a FeatureCollection by their structure
// alone (brackets and strings), without decoding them, so that the features
// can then be decoded, and fully validated, in parallel. encoding/json does
// the decoding; only the split is done here, because json.Decoder copies and
// scans every feature twice on one core.

var errEOF = errors.New("unexpected end of file")

// syntaxError is a structural problem at a byte offset.
type syntaxError struct {
	offset int
	msg    string
}

func (e *syntaxError) Error() string { return e.msg }

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the offset just past the string starting at data[i]
// (a quote).
func skipString(data []byte, i int) (int, error) {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, &syntaxError{i, "unterminated string"}
}

// skipValue returns the offset just past the JSON value starting at data[i].
func skipValue(data []byte, i int) (int, error) {
	if i >= len(data) {
		return 0, &syntaxError{i, errEOF.Error()}
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		return skipNested(data, i)
	}
	j := i
	for j < len(data) {
		switch data[j] {
		case ',', ']', '}', ' ', '\t', '\n', '\r':
			if j == i {
				return 0, &syntaxError{i, fmt.Sprintf("unexpected %q", data[j])}
			}
			return j, nil
		}
		j++
	}
	return j, nil
}

func skipNested(data []byte, i int) (int, error) {
	var stack []byte
	for j := i; j < len(data); j++ {
		switch c := data[j]; c {
		case '"':
			end, err := skipString(data, j)
			if err != nil {
				return 0, err
			}
			j = end - 1
		case '{', '[':
			stack = append(stack, c)
		case '}', ']':
			open := byte('{')
			if c == ']' {
				open = '['
			}
			if len(stack) == 0 || stack[len(stack)-1] != open {
				return 0, &syntaxError{j, fmt.Sprintf("unexpected %q", c)}
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, &syntaxError{i, "unclosed " + string(data[i])}
}

// collection is the top level of a FeatureCollection, split.
type collection struct {
	typ         string
	hasFeatures bool
	features    []json.RawMessage // sub-slices of the input
	starts      []int             // byte offset of each feature
}

// splitCollection walks the top-level object of data.
func splitCollection(data []byte) (*collection, error) {
	c := &collection{}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, &syntaxError{i, "want a JSON object"}
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return c, trailing(data, i+1)
	}
	for {
		key, next, err := readKey(data, i)
		if err != nil {
			return nil, err
		}
		i = next
		if key == "features" {
			i, err = c.splitFeatures(data, i)
		} else {
			i, err = c.otherMember(data, i, key)
		}
		if err != nil {
			return nil, err
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return nil, &syntaxError{i, errEOF.Error()}
		}
		if data[i] == '}' {
			return c, trailing(data, i+1)
		}
		if data[i] != ',' {
			return nil, &syntaxError{i, fmt.Sprintf("want ',' or '}', found %q", data[i])}
		}
		i = skipSpace(data, i+1)
	}
}

// readKey reads `"key":` at data[i] and returns the offset of the value.
func readKey(data []byte, i int) (string, int, error) {
	if i >= len(data) || data[i] != '"' {
		return "", 0, &syntaxError{i, "want a member name"}
	}
	end, err := skipString(data, i)
	if err != nil {
		return "", 0, err
	}
	var key string
	if err := json.Unmarshal(data[i:end], &key); err != nil {
		return "", 0, &syntaxError{i, "malformed member name"}
	}
	j := skipSpace(data, end)
	if j >= len(data) || data[j] != ':' {
		return "", 0, &syntaxError{j, "want ':' after a member name"}
	}
	return key, skipSpace(data, j+1), nil
}

func (c *collection) otherMember(data []byte, i int, key string) (int, error) {
	end, err := skipValue(data, i)
	if err != nil {
		return 0, err
	}
	if !json.Valid(data[i:end]) {
		return 0, &syntaxError{i, fmt.Sprintf("malformed value of %q", key)}
	}
	if key == "type" {
		if err := json.Unmarshal(data[i:end], &c.typ); err != nil {
			return 0, &syntaxError{i, "\"type\" is not a string"}
		}
	}
	return end, nil
}

func (c *collection) splitFeatures(data []byte, i int) (int, error) {
	c.hasFeatures = true
	if i >= len(data) || data[i] != '[' {
		return 0, &syntaxError{i, "\"features\" is not an array"}
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return i + 1, nil
	}
	for {
		end, err := skipValue(data, i)
		if err != nil {
			return 0, &featureSyntaxError{feature: len(c.features), err: err}
		}
		c.features = append(c.features, data[i:end])
		c.starts = append(c.starts, i)
		i = skipSpace(data, end)
		if i >= len(data) {
			return 0, &featureSyntaxError{feature: len(c.features) - 1, err: &syntaxError{i, errEOF.Error()}}
		}
		if data[i] == ']' {
			return i + 1, nil
		}
		if data[i] != ',' {
			return 0, &featureSyntaxError{feature: len(c.features), err: &syntaxError{i, fmt.Sprintf("want ',' or ']' between features, found %q", data[i])}}
		}
		i = skipSpace(data, i+1)
	}
}

// featureSyntaxError is a structural problem inside one feature.
type featureSyntaxError struct {
	feature int
	err     error
}

func (e *featureSyntaxError) Error() string { return e.err.Error() }

func trailing(data []byte, i int) error {
	if i = skipSpace(data, i); i < len(data) {
		return &syntaxError{i, "unexpected data after the FeatureCollection"}
	}
	return nil
}
