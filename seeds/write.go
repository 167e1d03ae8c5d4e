package seeds

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/catchment/catchment/geo"
)

// fileNames lists the files WriteDir writes, in the order it writes them.
var fileNames = []string{
	"wards.geojson", "boundary.geojson", "rivers.geojson", "roads.geojson",
	"schools.geojson", "applicants.geojson", "policy.json",
}

// FileNames returns the names of the files WriteDir writes, in the order it
// writes them.
func FileNames() []string { return append([]string(nil), fileNames...) }

// WriteDir writes the city's files (see FileNames) into dir, creating it if
// needed. Each file is written to a temporary name in dir, synced and then
// renamed, so a reader never sees a half-written file. progress (may be nil)
// hears about every file and, for large ones, every 10,000 features.
func (c *City) WriteDir(dir string, progress Progress) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("seeds: %w", err)
	}
	writers := []func(*bufio.Writer, Progress) error{
		c.writeWards, c.writeBoundary, c.writeRivers, c.writeRoads,
		c.writeSchools, c.writeApplicants, c.writePolicy,
	}
	for i, name := range fileNames {
		progress.report("write", i, len(fileNames))
		stage := func(_ string, done, total int) { progress.report("write "+name, done, total) }
		if err := writeAtomic(filepath.Join(dir, name), func(w *bufio.Writer) error {
			return writers[i](w, stage)
		}); err != nil {
			return err
		}
	}
	progress.report("write", len(fileNames), len(fileNames))
	return nil
}

// writeAtomic writes path through a temporary file in the same directory.
func writeAtomic(path string, fill func(*bufio.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("seeds: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("seeds: writing %s: %w", path, err)
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	if err = fill(w); err != nil {
		return err
	}
	if err = w.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// writeCollection writes a FeatureCollection of n features, one per line,
// feature i appended by feature.
func writeCollection(w *bufio.Writer, n int, progress Progress, feature func(b []byte, i int) []byte) error {
	if _, err := w.WriteString(`{"type":"FeatureCollection","features":[` + "\n"); err != nil {
		return err
	}
	var b []byte
	for i := range n {
		if i%10_000 == 0 {
			progress.report("", i, n)
		}
		b = feature(b[:0], i)
		if i+1 < n {
			b = append(b, ',')
		}
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	progress.report("", n, n)
	_, err := w.WriteString("]}\n")
	return err
}

// writeWards writes one Polygon per ward with its code and name.
func (c *City) writeWards(w *bufio.Writer, progress Progress) error {
	m := c.world.mesh
	cells := m.cells()
	return writeCollection(w, len(cells), progress, func(b []byte, i int) []byte {
		wd := &c.world.wards[i]
		return appendFeature(b, "Polygon", polygonGeometry(m.quad(cells[i][0], cells[i][1])), func(o *object) {
			o.str("code", wd.code)
			o.str("name", wd.name)
		})
	})
}

// writeBoundary writes the city outline as one Polygon.
func (c *City) writeBoundary(w *bufio.Writer, progress Progress) error {
	return writeCollection(w, 1, progress, func(b []byte, _ int) []byte {
		return appendFeature(b, "Polygon", polygonGeometry(c.world.outline), func(o *object) {
			o.str("name", "Catchment demo city")
		})
	})
}

// writeRivers writes the river band as a Polygon and its centre line as a
// LineString.
func (c *City) writeRivers(w *bufio.Writer, progress Progress) error {
	r := c.world.river
	return writeCollection(w, 2, progress, func(b []byte, i int) []byte {
		if i == 0 {
			return appendFeature(b, "Polygon", polygonGeometry(r.polygon()), func(o *object) {
				o.str("name", "Sông Hồng")
				o.str("kind", "water")
			})
		}
		return appendFeature(b, "LineString", lineGeometry(r.centreline()), func(o *object) {
			o.str("name", "Sông Hồng")
			o.str("kind", "centreline")
		})
	})
}

// writeRoads writes one LineString per road piece.
func (c *City) writeRoads(w *bufio.Writer, progress Progress) error {
	return writeCollection(w, len(c.roads), progress, func(b []byte, i int) []byte {
		r := &c.roads[i]
		return appendFeature(b, "LineString", lineGeometry(r.line), func(o *object) {
			o.str("name", r.name)
			o.str("road_class", r.class)
			if r.bridge {
				o.flag("bridge")
			}
		})
	})
}

// writeSchools writes one Point per school with the contract's properties.
func (c *City) writeSchools(w *bufio.Writer, progress Progress) error {
	return writeCollection(w, len(c.schools), progress, func(b []byte, i int) []byte {
		s := &c.schools[i]
		return appendFeature(b, "Point", pointGeometry(s.pos), func(o *object) { c.schoolProps(o, s) })
	})
}

// schoolProps appends the properties of school s.
func (c *City) schoolProps(o *object, s *school) {
	o.str("id", s.id)
	o.str("name", s.name)
	o.str("ward", c.world.wards[s.ward].code)
	if s.byClasses {
		o.key("classes")
	} else {
		o.key("seats")
	}
	inner := object{b: append(o.b, '{')}
	for _, l := range geo.Levels() {
		if s.offers(l) {
			if s.byClasses {
				inner.num(l.String(), s.classes[l])
			} else {
				inner.num(l.String(), s.seats(l))
			}
		}
	}
	o.b = append(inner.b, '}')
	if s.selective {
		o.flag("selective")
	}
	if s.inclusive {
		o.flag("inclusive")
	}
	if s.offers(geo.Grade6) {
		o.key("feeder")
		o.b = c.appendIDs(o.b, s.feeder)
	}
}

// appendIDs appends a JSON array of the ids of the given schools.
func (c *City) appendIDs(b []byte, idx []int32) []byte {
	b = append(b, '[')
	for k, i := range idx {
		if k > 0 {
			b = append(b, ',')
		}
		b = appendString(b, c.schools[i].id)
	}
	return append(b, ']')
}

// writeApplicants writes one Point (home) per applicant.
func (c *City) writeApplicants(w *bufio.Writer, progress Progress) error {
	return writeCollection(w, len(c.applicants), progress, func(b []byte, i int) []byte {
		a := &c.applicants[i]
		return appendFeature(b, "Point", pointGeometry(a.pos), func(o *object) { c.applicantProps(o, a) })
	})
}

// applicantProps appends the properties of applicant a; optional ones only
// when set.
func (c *City) applicantProps(o *object, a *applicant) {
	o.key("id")
	o.b = append(o.b, '"')
	o.b = appendApplicantID(o.b, a.id)
	o.b = append(o.b, '"')
	o.str("level", a.level.String())
	o.num("birth_year", a.birthYear)
	if a.temporary {
		o.str("residence", "temporary")
	} else {
		o.str("residence", "permanent")
	}
	if a.priority >= 0 {
		o.str("priority", priorityGroups[a.priority].name)
	}
	if a.disability {
		o.flag("disability")
	}
	if a.nPrefs > 0 {
		o.key("preferences")
		o.b = c.appendIDs(o.b, a.prefs[:a.nPrefs])
	}
	if a.primary >= 0 {
		o.str("primary_school", c.schools[a.primary].id)
	}
}

// writePolicy writes policy.json: the priority groups the applicants use,
// highest first; the engine's defaults cover everything else.
func (c *City) writePolicy(w *bufio.Writer, _ Progress) error {
	groups := c.groups
	if groups == nil {
		groups = []string{}
	}
	b, err := json.MarshalIndent(struct {
		PriorityGroups []string `json:"priority_groups"`
	}{groups}, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
