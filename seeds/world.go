package seeds

// world is the fixed geography that schools and homes are placed in.
type world struct {
	mesh    *mesh
	outline []xy
	wards   []ward
	index   *wardIndex
	river   *river
	remote  []xy // centres of the remote areas
	lo, hi  xy   // bounding box of the outline, metres
}

// newWorld wraps the geography and computes its bounding box.
func newWorld(m *mesh, wards []ward, r *river) *world {
	w := &world{mesh: m, outline: m.outline(), wards: wards, index: newWardIndex(wards), river: r}
	w.remote = remoteAreas(w.outline)
	w.lo, w.hi = w.outline[0], w.outline[0]
	for _, p := range w.outline {
		w.lo = xy{min(w.lo.X, p.X), min(w.lo.Y, p.Y)}
		w.hi = xy{max(w.hi.X, p.X), max(w.hi.Y, p.Y)}
	}
	return w
}

// wardOf returns the ward holding p clear of its edges, or -1.
func (w *world) wardOf(p xy) int { return w.index.find(p.toLL(), wardMargin) }

// habitable reports whether a home or school may stand at p: inside a ward,
// clear of its edges, and outside the river with a margin.
func (w *world) habitable(p xy) bool {
	return w.wardOf(p) >= 0 && !w.river.contains(p, riverMargin)
}

// remoteAt reports whether p lies in a remote area, where no school stands.
func (w *world) remoteAt(p xy) bool { return nearAny(p, w.remote, remoteRadius) }
