package geo

import (
	"encoding/json"

	jsonv2 "github.com/go-json-experiment/json"
)

// The fast path decodes a well-formed applicant feature in one
// unmarshal into typed fields, with the JSON v2 decoder: several times
// faster than encoding/json here, and it matches property names exactly,
// as the data contract requires. Anything it does not fully accept (a
// type mismatch, a missing or odd value, a property name matched only
// case-insensitively, a duplicate name, invalid UTF-8) goes to the slow path, parseApplicant, which decodes
// property by property and reports every problem. The fast path never
// accepts a feature the slow path would reject.

type applicantJSON struct {
	Type     string `json:"type"`
	Geometry struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties applicantProps `json:"properties"`
}

// applicantProps holds the properties the fast path reads; nil means
// absent or null.
type applicantProps struct {
	ID            *string  `json:"id"`
	Level         *string  `json:"level"`
	BirthYear     *int     `json:"birth_year"`
	Residence     *string  `json:"residence"`
	Priority      *string  `json:"priority"`
	Disability    *bool    `json:"disability"`
	Preferences   []string `json:"preferences"`
	PrimarySchool *string  `json:"primary_school"`
}

// parseApplicantFast decodes raw, or returns ok=false to ask for the slow
// path.
func parseApplicantFast(i int, raw json.RawMessage) (Applicant, bool) {
	var f applicantJSON
	if jsonv2.Unmarshal(raw, &f) != nil || f.Type != "Feature" || f.Geometry.Type != "Point" {
		return Applicant{}, false
	}
	p := &f.Properties
	if p.ID == nil || *p.ID == "" || p.Level == nil || p.BirthYear == nil || p.Residence == nil {
		return Applicant{}, false
	}
	loc, err := position(f.Geometry.Coordinates)
	if err != nil {
		return Applicant{}, false
	}
	a := Applicant{ID: *p.ID, Loc: loc, BirthYear: *p.BirthYear, Feature: i}
	var okLevel, okRes bool
	a.Level, okLevel = fastLevel(*p.Level)
	a.Residence, okRes = fastResidence(*p.Residence)
	if !okLevel || !okRes || a.BirthYear < minBirthYear || a.BirthYear > maxBirthYear {
		return Applicant{}, false
	}
	if p.Priority != nil {
		if *p.Priority == "" {
			return Applicant{}, false
		}
		a.Priority = *p.Priority
	}
	if p.Disability != nil {
		a.Disability = *p.Disability
	}
	if p.PrimarySchool != nil {
		a.PrimarySchool = *p.PrimarySchool
	}
	if !distinctNonEmpty(p.Preferences) {
		return Applicant{}, false
	}
	a.Preferences = p.Preferences
	return a, true
}

func fastLevel(s string) (Level, bool) {
	l, err := ParseLevel(s)
	return l, err == nil
}

func fastResidence(s string) (Residence, bool) {
	switch s {
	case "permanent":
		return Permanent, true
	case "temporary":
		return Temporary, true
	}
	return 0, false
}

func distinctNonEmpty(ss []string) bool {
	for i, s := range ss {
		if s == "" {
			return false
		}
		for _, t := range ss[:i] {
			if t == s {
				return false
			}
		}
	}
	return true
}
