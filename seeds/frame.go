package seeds

import "math"

// The city lives in a local plane: X metres east and Y metres north of the
// centre (lon 105.85, lat 21.03). Output coordinates are integer
// micro-degrees, converted from whole metres with integer arithmetic.
const (
	centreLonMicro  = 105_850_000
	centreLatMicro  = 21_030_000
	metresPerDegLon = 103_906 // 111,320 m x cos(21.03 degrees)
	metresPerDegLat = 110_574
	microPerDegree  = 1_000_000
)

// xy is a position in whole metres east (X) and north (Y) of the centre.
type xy struct{ X, Y int64 }

// ll is a position in micro-degrees of longitude and latitude (WGS84).
type ll struct{ Lon, Lat int64 }

// toLL converts a planar position to micro-degrees, rounding half away from
// zero.
func (p xy) toLL() ll {
	return ll{
		Lon: centreLonMicro + divRound(p.X*microPerDegree, metresPerDegLon),
		Lat: centreLatMicro + divRound(p.Y*microPerDegree, metresPerDegLat),
	}
}

// metres returns p as floats, for geometry that needs them.
func (p xy) metres() (float64, float64) { return float64(p.X), float64(p.Y) }

// roundXY rounds a float position in metres to whole metres.
func roundXY(x, y float64) xy { return xy{int64(math.Round(x)), int64(math.Round(y))} }

// dist2 returns the squared planar distance between p and q in square metres.
func dist2(p, q xy) int64 {
	dx, dy := p.X-q.X, p.Y-q.Y
	return dx*dx + dy*dy
}

// divRound returns a/b rounded half away from zero; b must be positive.
func divRound(a, b int64) int64 {
	if a >= 0 {
		return (a + b/2) / b
	}
	return -((-a + b/2) / b)
}

// dist returns the planar distance between p and q in metres.
func dist(p, q xy) float64 { return math.Sqrt(float64(dist2(p, q))) }
