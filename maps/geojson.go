package maps

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
)

// InWard returns the catchments of the schools located in the ward (and
// their problems), with the ward's totals; name is the ward's name for the
// totals.
func (s *Set) InWard(code, name string) *Set {
	out := *s
	out.Catchments, out.Problems = nil, nil
	w := &WardTotals{Code: code, Name: name}
	for _, c := range s.Catchments {
		if c.Ward != code {
			continue
		}
		out.Catchments = append(out.Catchments, c)
		w.Schools++
		w.Seats += c.Seats
		w.Assigned += c.Assigned
		w.PlacesUsed += c.PlacesUsed
	}
	w.Fill = round4(ratio(w.PlacesUsed, w.Seats))
	for _, p := range s.Problems {
		if slices.ContainsFunc(out.Catchments, func(c Catchment) bool { return c.SchoolID == p.SchoolID && c.Level.String() == p.Level }) {
			out.Problems = append(out.Problems, p)
		}
	}
	out.Ward = w
	return &out
}

// GeoJSON renders the set as an RFC 7946 FeatureCollection: one feature per
// catchment (MultiPolygon, or null geometry when empty) in (school id,
// level) order, with foreign members "derivation" (how it was made),
// "ward" (when filtered) and "problems". Coordinates have 6 decimals; the
// same set always gives the same bytes.
func (s *Set) GeoJSON() []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection",` + "\n" + `"derivation":{"round":`)
	writeJSON(&b, s.Round)
	b.WriteString(`,"levels":[`)
	for i, l := range s.Levels {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSON(&b, l.String())
	}
	b.WriteString(`],"cell_m":` + num(s.CellM) + `,"clip":`)
	writeJSON(&b, s.Clip)
	b.WriteString(`,"rivers":` + strconv.FormatBool(s.Rivers) + `,"rule":`)
	writeJSON(&b, s.Rule)
	b.WriteString("},\n")
	if s.Ward != nil {
		b.WriteString(`"ward":`)
		writeJSON(&b, s.Ward)
		b.WriteString(",\n")
	}
	b.WriteString(`"problems":[`)
	for i, p := range s.Problems {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
		writeJSON(&b, p)
	}
	b.WriteString("],\n" + `"features":[`)
	for i := range s.Catchments {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
		writeFeature(&b, &s.Catchments[i])
	}
	b.WriteString("\n]}\n")
	return b.Bytes()
}

func writeFeature(b *bytes.Buffer, c *Catchment) {
	b.WriteString(`{"type":"Feature","id":`)
	writeJSON(b, c.SchoolID+"/"+c.Level.String())
	b.WriteString(`,"geometry":`)
	if len(c.Shape) == 0 {
		b.WriteString("null")
	} else {
		b.WriteString(`{"type":"MultiPolygon","coordinates":`)
		writeMultiPolygon(b, c.Shape)
		b.WriteByte('}')
	}
	b.WriteString(`,"properties":{"school_id":`)
	writeJSON(b, c.SchoolID)
	b.WriteString(`,"name":`)
	writeJSON(b, c.Name)
	b.WriteString(`,"ward":`)
	writeJSON(b, c.Ward)
	b.WriteString(`,"level":`)
	writeJSON(b, c.Level.String())
	b.WriteString(`,"seats":` + strconv.Itoa(c.Seats) + `,"assigned":` + strconv.Itoa(c.Assigned) +
		`,"places_used":` + strconv.Itoa(c.PlacesUsed) + `,"classes":` + strconv.Itoa(c.Classes) +
		`,"fill":` + num(c.Fill) + `,"cutoff":`)
	if c.Cutoff == nil {
		b.WriteString("null")
	} else {
		writeJSON(b, c.Cutoff)
	}
	b.WriteString(`,"parts":` + strconv.Itoa(c.Parts) + `,"main_part_share":` + num(c.MainPartShare) +
		`,"contains_school":` + strconv.FormatBool(c.ContainsSchool) + `,"crosses_river":` + strconv.FormatBool(c.RiverSides > 1) + `,"area_km2":` + num(c.AreaKm2) + `,"color":`)
	writeJSON(b, c.Color)
	b.WriteString(`,"school":`)
	writePoint(b, c.Location)
	b.WriteString("}}")
}

func writeMultiPolygon(b *bytes.Buffer, mp orb.MultiPolygon) {
	b.WriteByte('[')
	for i, poly := range mp {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for j, ring := range poly {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('[')
			for k, p := range ring {
				if k > 0 {
					b.WriteByte(',')
				}
				writePoint(b, p)
			}
			b.WriteByte(']')
		}
		b.WriteByte(']')
	}
	b.WriteByte(']')
}

func writePoint(b *bytes.Buffer, p orb.Point) {
	b.WriteByte('[')
	b.WriteString(strconv.FormatFloat(p[0], 'f', 6, 64))
	b.WriteByte(',')
	b.WriteString(strconv.FormatFloat(p[1], 'f', 6, 64))
	b.WriteByte(']')
}

// num formats a number in its shortest form.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// writeJSON writes v as compact JSON without HTML escaping (Vietnamese
// names stay readable UTF-8).
func writeJSON(b *bytes.Buffer, v any) {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		b.WriteString("null")
		return
	}
	b.Write(bytes.TrimRight(tmp.Bytes(), "\n"))
}
