package seeds

import (
	"strconv"
	"unicode/utf8"
)

// This file appends GeoJSON text by hand: one feature per line, properties
// in a fixed order, coordinates with six decimals.

// appendCoord appends "[lon,lat]" in degrees with six decimals.
func appendCoord(b []byte, p ll) []byte {
	b = append(b, '[')
	b = strconv.AppendFloat(b, float64(p.Lon)/microPerDegree, 'f', 6, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(p.Lat)/microPerDegree, 'f', 6, 64)
	return append(b, ']')
}

// appendPath appends a JSON array of positions.
func appendPath(b []byte, pts []xy) []byte {
	b = append(b, '[')
	for i, p := range pts {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCoord(b, p.toLL())
	}
	return append(b, ']')
}

// appendGeometry appends a geometry object of type typ whose "coordinates"
// member is produced by coords.
func appendGeometry(b []byte, typ string, coords func([]byte) []byte) []byte {
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	b = append(b, `","coordinates":`...)
	b = coords(b)
	return append(b, '}')
}

// pointGeometry returns the coordinates appender of a Point.
func pointGeometry(p xy) func([]byte) []byte {
	return func(b []byte) []byte { return appendCoord(b, p.toLL()) }
}

// lineGeometry returns the coordinates appender of a LineString.
func lineGeometry(pts []xy) func([]byte) []byte {
	return func(b []byte) []byte { return appendPath(b, pts) }
}

// polygonGeometry returns the coordinates appender of a Polygon with one
// closed exterior ring.
func polygonGeometry(ring []xy) func([]byte) []byte {
	return func(b []byte) []byte {
		b = append(b, '[')
		b = appendPath(b, ring)
		return append(b, ']')
	}
}

// object appends the members of a JSON object in the order they are added.
type object struct {
	b []byte
	n int
}

// key appends a member name and its colon.
func (o *object) key(k string) {
	if o.n > 0 {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = appendString(o.b, k)
	o.b = append(o.b, ':')
}

// str appends a string member.
func (o *object) str(k, v string) {
	o.key(k)
	o.b = appendString(o.b, v)
}

// num appends an integer member.
func (o *object) num(k string, v int) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, int64(v), 10)
}

// flag appends "k":true.
func (o *object) flag(k string) {
	o.key(k)
	o.b = append(o.b, "true"...)
}

// appendFeature appends one Feature with the given geometry and properties.
func appendFeature(b []byte, typ string, coords func([]byte) []byte, props func(*object)) []byte {
	b = append(b, `{"type":"Feature","geometry":`...)
	b = appendGeometry(b, typ, coords)
	b = append(b, `,"properties":{`...)
	o := object{b: b}
	props(&o)
	return append(o.b, "}}"...)
}

// appendString appends s as a JSON string. Valid UTF-8 passes through;
// quotes, backslashes and control characters are escaped; invalid bytes
// become U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20:
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[r>>4], "0123456789abcdef"[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}
