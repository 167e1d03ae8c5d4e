// Package maps derives each school's catchment from a round, renders ward
// maps for reports (PNG and SVG), and serves the ward preview page and its
// JSON API (NewHandler over a Source).
//
// # What a catchment is
//
// An address belongs to the school of the nearest placed home of the level
// within the level's distance cap, ties by applicant id (round.Locator,
// the service's address lookup). A school's catchment is therefore the
// union of the Voronoi cells of the homes it admitted, limited to the cap
// around some placed home, clipped to the city (the boundary, else the
// union of the wards).
//
// # How it is derived: a raster, traced
//
// Derive lays a grid of cells of about Options.CellM metres (default 75)
// over the city, labels each cell whose centre lies inside the city with
// the answer of the rule at the centre, and traces the cells of each school
// into polygons along cell edges. A raster was chosen over an exact
// Voronoi construction because
//
//   - it is exactly the address rule, sampled: the labels come from the same
//     integer haversine metres and the same tie order as round.Locator (the
//     oracle test compares every cell), where an exact construction would
//     have to reproduce rounded spherical distances, the id tie-break and the
//     cap circles in floating point and stay robust for the many homes that
//     share a building (duplicate points);
//   - clipping to the city is a mask of cell centres, and the result is a
//     partition: catchments never overlap and leave no gaps, by construction;
//   - the cost is predictable (cells, not homes) and the output is
//     deterministic: corners sit on whole, even micro-degrees, so the
//     GeoJSON coordinates (6 decimals) are exact integers, the same on every
//     machine.
//
// Labelling a cell finds the nearest home in a planar projection with a k-d
// tree, then gathers every home that could tie with it once the
// projection's distortion e (a bound on |planar/haversine - 1| over the
// city widened by the cap; 0.3% over Hanoi) is allowed for: with p the
// planar distance of the planar-nearest home, every home whose rounded
// haversine distance equals the minimum lies within ((1+e)p + 1)/(1-e) in
// the plane. Those few are ranked by geo.DistanceHaversine and applicant id,
// and the cap is checked on the integer metres.
//
// Tracing keeps cells that share an edge together (4-connectivity): each
// such component of one school is one polygon, with holes; rings are
// counter-clockwise outside and clockwise for holes (RFC 7946). A ring that
// touches itself at a corner is split there into a ring and a hole that
// touch at that point. The cell staircase is smoothed without changing the
// topology: where a boundary turns at a corner that only two boundary edges
// meet, the corner is cut between the midpoints of the two edges; both
// neighbours make the same cut, no cell centre moves to another polygon,
// and corners where three or four catchments meet stay.
//
// # Accuracy and limits
//
//   - The labels are exact at cell centres. Between centres a boundary is
//     placed within about one cell (75 m) of the true Voronoi edge, and the
//     city outline is followed within one cell. A home whose Voronoi cell is
//     smaller than a raster cell may cover no centre: in dense blocks the
//     fine interleaving of schools' homes is sampled, not drawn in full.
//   - ContainsSchool is decided at the school's address by the rule itself
//     (as the address lookup does), not by the drawn polygon, so it does not
//     depend on the cell size; the drawn polygon may miss or include the
//     school point near its edge.
//   - Area is measured on the sphere of geo.EarthRadiusM (exact for edges
//     along meridians and parallels; the cut corners are short).
//   - Cells are about CellM metres: exact in latitude, within 0.5% in
//     longitude across Hanoi's span.
//
// # Problems reported
//
// A catchment in more than one part (not contiguous: under deferred
// acceptance a child turned away by the nearest school makes an island of
// another school's catchment around its home), one whose school's own
// address belongs to another school, one that is empty, and, when rivers
// are given, one whose land lies on more than one side of the water (the
// cells under water polygons or river lines divide the land into regions).
package maps
