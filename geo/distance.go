package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// EarthRadiusM is the radius of the sphere on which distances are measured,
// in metres (the mean Earth radius of IUGG; a fixed definition of the data
// contract).
const EarthRadiusM = 6371008.8

const degToRad = math.Pi / 180

// DistanceHaversine returns the great-circle distance between a and b
// (lon/lat degrees) on a sphere of radius EarthRadiusM, rounded to the
// nearest integer metre (halves away from zero). This is the one distance
// the engine ranks, compares and sums.
//
// The formula, for auditors who recompute it:
//
//	h = sin²((lat2-lat1)/2) + cos(lat1)·cos(lat2)·sin²((lon2-lon1)/2)
//	d = round(2·R·asin(√min(1, h)))
//
// Every product is forced to float64 so that no platform fuses
// multiply-adds differently.
func DistanceHaversine(a, b orb.Point) int {
	return haversine(onSphere(a), onSphere(b))
}

// sphere is a point prepared for repeated distance computations: latitude
// in radians and its cosine, longitude in degrees. Indexes keep one per
// point so that a query computes fewer trigonometric functions; the
// arithmetic is exactly that of DistanceHaversine.
type sphere struct {
	lat, cosLat, lonDeg float64
}

func onSphere(p orb.Point) sphere {
	lat := p[1] * degToRad
	return sphere{lat: lat, cosLat: math.Cos(lat), lonDeg: p[0]}
}

// haversine is DistanceHaversine on prepared points.
func haversine(a, b sphere) int {
	sLat := math.Sin((b.lat - a.lat) / 2)
	sLon := math.Sin((b.lonDeg - a.lonDeg) * degToRad / 2)
	h := float64(sLat*sLat) + float64(float64(a.cosLat*b.cosLat)*float64(sLon*sLon))
	if h > 1 {
		h = 1
	}
	return int(math.Round(2 * EarthRadiusM * math.Asin(math.Sqrt(h))))
}

// metresPerDegreeLat is the length of one degree of latitude on the sphere.
const metresPerDegreeLat = EarthRadiusM * degToRad

// BoundAround returns a lon/lat box that contains every point within
// radius metres of p (never smaller; slightly larger, so that it can serve
// as the first, coarse phase of a radius search, including points whose
// rounded distance equals radiusM). Near the poles the box spans all
// longitudes; boxes are not split at the antimeridian.
func BoundAround(p orb.Point, radiusM int) orb.Bound {
	dLat := (float64(radiusM) + 1) / metresPerDegreeLat * 1.0001
	minLat, maxLat := p[1]-dLat, p[1]+dLat
	far := math.Max(math.Abs(minLat), math.Abs(maxLat))
	if far >= 89.9 {
		return orb.Bound{Min: orb.Point{-180, math.Max(minLat, -90)}, Max: orb.Point{180, math.Min(maxLat, 90)}}
	}
	dLon := dLat / math.Cos(far*degToRad)
	return orb.Bound{Min: orb.Point{p[0] - dLon, minLat}, Max: orb.Point{p[0] + dLon, maxLat}}
}
