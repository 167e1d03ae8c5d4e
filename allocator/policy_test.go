package allocator

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/catchment/catchment/geo"
	"github.com/stretchr/testify/require"
)

func TestBadPolicyFilesAreErrorsNamingTheKey(t *testing.T) {
	cases := []struct {
		name string
		data string
		key  string // PolicyError.Key
		msg  string // a fragment of PolicyError.Msg
	}{
		{"a key in capitals", `{"MAX_DISTANCE_M": {"grade1": 3000}}`, "", `unknown key "MAX_DISTANCE_M": key names are case-sensitive; did you mean "max_distance_m"?`},
		{"a key in another case", `{"Class_Caps": {"grade1": 30}}`, "", `did you mean "class_caps"`},
		{"an unknown key", `{"class_size": {}}`, "", `unknown key "class_size" (want age_exception_groups, age_exception_years, class_caps, ` +
			`disability_class_reduction, max_distance_m, priority_groups, priority_order)`},
		{"a key given twice", `{"class_caps": {"grade1": 30}, "class_caps": {"grade6": 40}}`, "", `key "class_caps" is given twice`},
		{"a level given twice", `{"class_caps": {"grade1": 30, "grade1": 40}}`, "class_caps", `level "grade1" is given twice`},
		{"a level in capitals", `{"class_caps": {"Grade1": 30}}`, "class_caps", `unknown level "Grade1"`},
		{"a null level map", `{"max_distance_m": null}`, "max_distance_m", "null; omit the key to keep the default"},
		{"a null list", `{"priority_order": null}`, "priority_order", "null"},
		{"a null number", `{"age_exception_years": null}`, "age_exception_years", "null"},
		{"a null level", `{"disability_class_reduction": {"preschool3": null}}`, "disability_class_reduction", "preschool3 is null"},
		{"an empty priority order", `{"priority_order": []}`, "priority_order", "empty: want at least one key"},
		{"a level map that is a number", `{"class_caps": 35}`, "class_caps", "want an object of level -> integer, got 35"},
		{"a fractional level value", `{"class_caps": {"grade1": 3.5}}`, "class_caps", "grade1: want an integer, got 3.5"},
		{"a list that is a string", `{"priority_groups": "poor"}`, "priority_groups", `want an array of names, got "poor"`},
		{"a group name with an invalid UTF-8 byte", "{\"priority_groups\": [\"poor\xff\"]}", "", "invalid UTF-8"},
		{"a group name with an unpaired surrogate escape", `{"priority_groups": ["poor\udc00"]}`, "", "invalid UTF-8"},
		{"a JSON array", `[]`, "", "want a JSON object, got []"},
		{"null", `null`, "", "want a JSON object"},
		{"an empty file", ` `, "", "empty"},
		{"data after the object", `{} {}`, "", "unexpected data after the JSON object"},
		{"an unclosed object", `{"class_caps": {"grade1": 30}`, "", "malformed JSON"},
		{"a value out of range", `{"class_caps": {"grade1": 0}}`, "class_caps", "grade1 is 0, want 1..200"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(c.data))
			var pe *PolicyError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, c.key, pe.Key, "%v", err)
			require.Contains(t, pe.Msg, c.msg)
		})
	}
}

func TestEveryKeyAtFaultIsReported(t *testing.T) {
	cases := []struct {
		name string
		data string
		want []string // PolicyError.Key of each error, in order
	}{
		{"keys that do not decode, in file order", `{"max_distance_m": null, "Class_Caps": {}, "age_exception_years": "3"}`,
			[]string{"max_distance_m", "", "age_exception_years"}},
		{"values out of range, in key order", `{"priority_order": [], "class_caps": {"grade1": 0}, "age_exception_years": 11}`,
			[]string{"class_caps", "priority_order", "age_exception_years"}},
		{"a bad class cap does not also fault the disability reduction", `{"class_caps": {"preschool3": 0}}`, []string{"class_caps"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(c.data))
			joined, ok := err.(interface{ Unwrap() []error })
			require.True(t, ok, "%v", err)
			var keys []string
			for _, e := range joined.Unwrap() {
				var pe *PolicyError
				require.ErrorAs(t, e, &pe)
				keys = append(keys, pe.Key)
			}
			require.Equal(t, c.want, keys, "%v", err)
		})
	}
}

func TestGoodPolicyFilesOverrideOnlyWhatTheyName(t *testing.T) {
	def := DefaultPolicy()
	cases := []struct {
		name string
		data string
		want func(p *Policy)
	}{
		{"an empty object keeps every default", `{}`, func(p *Policy) {}},
		{"a level map overrides only its levels", `{"class_caps": {"grade1": 30}, "max_distance_m": {"grade6": 5000}}`, func(p *Policy) {
			p.ClassCaps[geo.Grade1], p.MaxDistanceM[geo.Grade6] = 30, 5000
		}},
		{"an empty level map changes nothing", `{"disability_class_reduction": {}}`, func(p *Policy) {}},
		{"a surrogate pair is a character", `{"priority_groups": ["g\ud83d\ude00", "\u00e9"]}`, func(p *Policy) {
			p.PriorityGroups = []string{"g\U0001F600", "é"}
		}},
		{"every key at once", `{"priority_order": ["lottery"], "priority_groups": ["a", "b"], "age_exception_years": 2,
			"age_exception_groups": ["b"], "disability_class_reduction": {"grade1": 2}}`, func(p *Policy) {
			p.PriorityOrder, p.PriorityGroups, p.AgeExceptionYears, p.AgeExceptionGroups = []Key{KeyLottery}, []string{"a", "b"}, 2, []string{"b"}
			p.DisabilityClassReduction[geo.Grade1] = 2
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := def
			want.PriorityOrder = append([]Key(nil), def.PriorityOrder...)
			c.want(&want)
			got, err := ParsePolicy([]byte(c.data))
			require.NoError(t, err)
			require.Equal(t, want, got)
		})
	}
}

func TestAPolicyWrittenIntoAManifestReadsBackTheSame(t *testing.T) {
	p := DefaultPolicy()
	p.PriorityGroups, p.AgeExceptionGroups = []string{"poor_household", "Trường"}, []string{"Trường"}
	data, err := json.Marshal(p)
	require.NoError(t, err)
	var back Policy
	require.NoError(t, json.Unmarshal(data, &back))
	require.Equal(t, p, back)
}

func TestTheReadmeDocumentsEveryPolicyKey(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	_, section, found := strings.Cut(string(readme), "### Policy file\n")
	require.True(t, found, "README has a Policy file section")
	section, _, _ = strings.Cut(section, "\n### ")
	for key := range policyKeys {
		require.Contains(t, section, "| `"+key+"` |", "the README's Policy file table lists %s", key)
	}
}

// FuzzParsePolicy checks that ParsePolicy never panics, fails only with
// *PolicyError values, and that what it accepts is valid and reads back
// the same from a manifest.
func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"class_caps": {"grade1": 30}, "priority_order": ["lottery"], "priority_groups": ["a"], "age_exception_groups": ["a"]}`))
	f.Add([]byte(`{"MAX_DISTANCE_M": null, "max_distance_m": {"grade6": 7000, "grade6": 1}}`))
	f.Add([]byte(`{"priority_groups": ["\ud800"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data)
		if err != nil {
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("error without a *PolicyError: %v", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted an invalid policy: %v", err)
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParsePolicy(out)
		if err != nil || !reflect.DeepEqual(p, back) {
			t.Fatalf("%s read back as %+v, %v", out, back, err)
		}
	})
}
