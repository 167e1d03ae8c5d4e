package maps

import (
	"cmp"
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/catchment/catchment/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// MapOptions describe a ward map for reports.
type MapOptions struct {
	Ward     string           // the ward's code (required)
	Wards    []geo.Ward       // every ward: the ward's outline and its neighbours'
	Boundary orb.MultiPolygon // the city outline, or nil
	Rivers   []byte           // GeoJSON FeatureCollection, or nil
	Roads    []byte           // GeoJSON FeatureCollection, or nil
	WidthPx  int              // width of the map area in pixels; 0 means 1200
	Note     string           // a line under the title, e.g. which round
}

// ErrNoWard is returned when a map asks for a ward that is not in the
// wards given.
var ErrNoWard = errors.New("maps: no such ward")

// Colours of the maps, shared by the PNG, the SVG and the page.
var (
	colPaper     = color.NRGBA{0xf2, 0xef, 0xe9, 0xff}
	colCity      = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	colWater     = color.NRGBA{0x4a, 0x90, 0xd9, 0xff}
	colRoadMajor = color.NRGBA{0x55, 0x3f, 0x2c, 0xff}
	colRoadMinor = color.NRGBA{0x8a, 0x7a, 0x6a, 0xff}
	colWard      = color.NRGBA{0x70, 0x70, 0x70, 0xff}
	colTheWard   = color.NRGBA{0x10, 0x10, 0x10, 0xff}
	colEdge      = color.NRGBA{0x40, 0x40, 0x40, 0xa0}
	colText      = color.NRGBA{0x1a, 0x1a, 0x1a, 0xff}
	colMuted     = color.NRGBA{0x5a, 0x5a, 0x5a, 0xff}
	colWhite     = color.NRGBA{0xff, 0xff, 0xff, 0xff}
)

// FillColor returns the colour of a school marker for a fill rate (places
// used / seats): red when full, orange from 90%, green below.
func FillColor(fill float64) string {
	switch {
	case fill >= 1:
		return "#d7301f"
	case fill >= 0.9:
		return "#fc8d59"
	}
	return "#1a9850"
}

// item kinds of a scene.
const (
	itemFill   = iota // rings filled (non-zero winding), optional outline
	itemStroke        // open polylines
	itemCircle
	itemText
)

type fpt struct{ x, y float64 }

// item is one thing drawn, in pixels (y down).
type item struct {
	kind   int
	paths  [][]fpt
	fill   color.NRGBA
	stroke color.NRGBA
	width  float64
	dash   [2]float64 // on and off lengths of a dashed stroke; zero: solid
	c      fpt
	r      float64
	text   string
	size   float64
	anchor int // 0 start, 1 middle, 2 end
	halo   bool
}

// scene is a map as a list of items drawn in order.
type scene struct {
	w, h  int
	items []item
}

func (s *scene) add(it item) { s.items = append(s.items, it) }

// view projects lon/lat into the map area: equirectangular at the view's
// middle latitude, which is what a ward-sized map needs.
type view struct {
	b          orb.Bound
	kx, scale  float64 // cos(lat0); pixels per degree of latitude
	ox, oy     float64 // top-left of the map area in the image
	w, h       float64
	metresPerP float64
}

func newView(b orb.Bound, widthPx int, ox, oy float64) view {
	lat0 := (b.Min[1] + b.Max[1]) / 2
	v := view{b: b, kx: math.Cos(lat0 * math.Pi / 180), ox: ox, oy: oy}
	wDeg := (b.Max[0] - b.Min[0]) * v.kx
	hDeg := b.Max[1] - b.Min[1]
	// keep the map between 3:5 and 7:5 by widening the bound
	if hDeg < 0.6*wDeg {
		pad := (0.6*wDeg - hDeg) / 2
		v.b.Min[1], v.b.Max[1] = v.b.Min[1]-pad, v.b.Max[1]+pad
		hDeg = 0.6 * wDeg
	} else if hDeg > 1.4*wDeg {
		pad := (hDeg/1.4 - wDeg) / 2 / v.kx
		v.b.Min[0], v.b.Max[0] = v.b.Min[0]-pad, v.b.Max[0]+pad
		wDeg = hDeg / 1.4
	}
	v.w = float64(widthPx)
	v.scale = v.w / wDeg
	v.h = math.Round(hDeg * v.scale)
	v.metresPerP = metresPerDegreeLat / v.scale
	return v
}

func (v *view) px(p orb.Point) fpt {
	return fpt{v.ox + (p[0]-v.b.Min[0])*v.kx*v.scale, v.oy + (v.b.Max[1]-p[1])*v.scale}
}

func (v *view) ring(r orb.Ring) []fpt {
	out := make([]fpt, len(r))
	for i, p := range r {
		out[i] = v.px(p)
	}
	return out
}

func (v *view) polygons(mp orb.MultiPolygon) [][]fpt {
	var out [][]fpt
	for _, poly := range mp {
		if !poly.Bound().Intersects(v.b) {
			continue
		}
		for _, r := range poly {
			out = append(out, v.ring(r))
		}
	}
	return out
}

func (v *view) lines(ls []orb.LineString) [][]fpt {
	var out [][]fpt
	for _, l := range ls {
		if l.Bound().Intersects(v.b) {
			out = append(out, v.ring(orb.Ring(l)))
		}
	}
	return out
}

const (
	legendW = 560
	titleH  = 64
	footerH = 40
)

// buildScene lays out the map of a ward: the catchments of the schools
// located in it in their colours, the neighbouring catchments faded, the
// water and main roads on top (so a catchment that crosses a river or a
// highway shows it), ward outlines, the schools sized by seats and
// coloured by fill, a legend with every school's figures and a scale bar.
func buildScene(set *Set, level geo.Level, opt MapOptions) (*scene, error) {
	var ward *geo.Ward
	for i := range opt.Wards {
		if opt.Wards[i].Code == opt.Ward {
			ward = &opt.Wards[i]
		}
	}
	if ward == nil {
		return nil, fmt.Errorf("%w: %q", ErrNoWard, opt.Ward)
	}
	var mine, others []*Catchment
	for i := range set.Catchments {
		c := &set.Catchments[i]
		switch {
		case c.Level != level:
		case c.Ward == ward.Code:
			mine = append(mine, c)
		default:
			others = append(others, c)
		}
	}
	b := ward.Shape.Bound()
	for _, c := range mine {
		b = b.Extend(c.Location)
		if len(c.Shape) > 0 {
			b = b.Union(c.Shape.Bound())
		}
	}
	padX, padY := (b.Max[0]-b.Min[0])*0.04, (b.Max[1]-b.Min[1])*0.04
	b.Min, b.Max = orb.Point{b.Min[0] - padX, b.Min[1] - padY}, orb.Point{b.Max[0] + padX, b.Max[1] + padY}
	width := cmp.Or(opt.WidthPx, 1200)
	v := newView(b, width, 0, titleH)
	s := &scene{w: width + legendW, h: titleH + int(v.h) + footerH}
	s.add(item{kind: itemFill, paths: [][]fpt{rect(0, 0, float64(s.w), float64(s.h))}, fill: colPaper})
	if len(opt.Boundary) > 0 {
		s.add(item{kind: itemFill, paths: v.polygons(opt.Boundary), fill: colCity})
	} else {
		for _, w := range opt.Wards {
			s.add(item{kind: itemFill, paths: v.polygons(w.Shape), fill: colCity})
		}
	}
	// One item per polygon, so that each is rasterized over its own
	// small bounding box.
	for _, c := range others {
		for _, poly := range c.Shape {
			if paths := v.polygons(orb.MultiPolygon{poly}); len(paths) > 0 {
				s.add(item{kind: itemFill, paths: paths, fill: withAlpha(hexColor(c.Color), 0x50)})
			}
		}
	}
	for _, c := range mine {
		for _, poly := range c.Shape {
			s.add(item{kind: itemFill, paths: v.polygons(orb.MultiPolygon{poly}), fill: withAlpha(hexColor(c.Color), 0xd8), stroke: colEdge, width: 0.8})
		}
	}
	if err := addBaseLayers(s, &v, opt); err != nil {
		return nil, err
	}
	for _, w := range opt.Wards {
		if w.Code != ward.Code {
			s.add(item{kind: itemStroke, paths: v.polygons(w.Shape), stroke: colWard, width: 1.2, dash: [2]float64{6, 4}})
		}
	}
	s.add(item{kind: itemStroke, paths: v.polygons(ward.Shape), stroke: colTheWard, width: 3})
	for _, c := range others {
		if b.Contains(c.Location) {
			s.add(item{kind: itemCircle, c: v.px(c.Location), r: 2.5, fill: colMuted})
		}
	}
	addSchools(s, &v, mine)
	addFrame(s, &v, set, level, ward, opt, mine)
	// Everything outside the map area is covered by the frame.
	return s, nil
}

// addBaseLayers draws water (polygons filled, lines stroked) and roads
// (major ones wider), clipped to the view.
func addBaseLayers(s *scene, v *view, opt MapOptions) error {
	rivers, err := decodeLayer(opt.Rivers)
	if err != nil {
		return fmt.Errorf("maps: rivers: %w", err)
	}
	roads, err := decodeLayer(opt.Roads)
	if err != nil {
		return fmt.Errorf("maps: roads: %w", err)
	}
	for _, f := range rivers {
		if len(f.polys) > 0 {
			// translucent, so that a catchment's colour shows through where
			// it crosses the water
			s.add(item{kind: itemFill, paths: v.polygons(f.polys), fill: withAlpha(colWater, 0xa8)})
		}
		if len(f.lines) > 0 {
			s.add(item{kind: itemStroke, paths: v.lines(f.lines), stroke: colWater, width: 2.5})
		}
	}
	for _, major := range []bool{false, true} {
		for _, f := range roads {
			if f.major != major || len(f.lines) == 0 {
				continue
			}
			col, w := colRoadMinor, 1.6
			if major {
				col, w = colRoadMajor, 3
			}
			s.add(item{kind: itemStroke, paths: v.lines(f.lines), stroke: colWhite, width: w + 2})
			s.add(item{kind: itemStroke, paths: v.lines(f.lines), stroke: col, width: w})
		}
	}
	return nil
}

// addSchools draws the ward's schools: area by seats, colour by fill,
// labelled with their id (a school outside its catchment gets a "!").
func addSchools(s *scene, v *view, mine []*Catchment) {
	for _, c := range mine {
		p := v.px(c.Location)
		r := markerRadius(c.Seats)
		s.add(item{kind: itemCircle, c: p, r: r, fill: hexColor(FillColor(c.Fill)), stroke: colText, width: 1.2})
		label := c.SchoolID
		if !c.ContainsSchool {
			label += " !"
		}
		s.add(item{kind: itemText, c: fpt{p.x + r + 3, p.y + 4}, text: label, size: 12, fill: colText, halo: true})
	}
}

// markerRadius returns a school marker's radius in pixels: its area grows
// with the seats.
func markerRadius(seats int) float64 { return 4 + 0.45*math.Sqrt(float64(seats)) }

// addFrame draws the title, the legend with each school's figures, the
// scale bar and the footer around the map area.
func addFrame(s *scene, v *view, set *Set, level geo.Level, ward *geo.Ward, opt MapOptions, mine []*Catchment) {
	mx := v.w
	s.add(item{kind: itemFill, paths: [][]fpt{rect(0, 0, float64(s.w), titleH)}, fill: colPaper})
	s.add(item{kind: itemFill, paths: [][]fpt{rect(0, titleH+v.h, float64(s.w), float64(s.h))}, fill: colPaper})
	s.add(item{kind: itemFill, paths: [][]fpt{rect(mx, titleH, float64(s.w), titleH+v.h)}, fill: colPaper})
	s.add(item{kind: itemStroke, paths: [][]fpt{rect(0.5, titleH, mx, titleH+v.h)}, stroke: colMuted, width: 1})
	s.add(item{kind: itemText, c: fpt{14, 28}, text: fmt.Sprintf("%s %s: %s catchments", ward.Code, ward.Name, level), size: 20, fill: colText})
	note := fmt.Sprintf("Round %s, %s mode, year %d, seed %q. An address belongs to the school of the nearest placed home within the cap; cells of %v m.",
		set.Round.Engine, set.Round.Mode, set.Round.Year, set.Round.Seed, set.CellM)
	if opt.Note != "" {
		note = opt.Note + ". " + note
	}
	s.add(item{kind: itemText, c: fpt{14, 50}, text: note, size: 12, fill: colMuted})
	addLegend(s, mx+16, titleH+8, titleH+v.h, mine)
	addScaleBar(s, v)
	s.add(item{kind: itemText, c: fpt{14, titleH + v.h + 25}, size: 11, fill: colMuted,
		text: "Faded: catchments of schools in other wards; grey dots: their schools. ! = the school lies outside its own catchment. " +
			"river across = the catchment has land on both sides of the water. Aggregates only."})
}

func addLegend(s *scene, x, y, bottom float64, mine []*Catchment) {
	text := func(dx, y float64, t string, size float64, col color.NRGBA) {
		s.add(item{kind: itemText, c: fpt{x + dx, y}, text: t, size: size, fill: col})
	}
	y += 18
	text(0, y, "Schools located in this ward", 14, colText)
	y += 18
	for _, h := range []struct {
		dx float64
		t  string
	}{{28, "school"}, {84, "seats"}, {124, "admitted"}, {184, "fill"}, {224, "classes"}, {272, "parts"}, {310, "river"}, {350, "name"}} {
		text(h.dx, y, h.t, 10, colMuted)
	}
	sorted := slices.Clone(mine)
	slices.SortFunc(sorted, func(a, b *Catchment) int { return cmp.Compare(a.SchoolID, b.SchoolID) })
	for i, c := range sorted {
		y += 16
		if y > bottom-150 {
			text(0, y, fmt.Sprintf("... and %d more", len(sorted)-i), 12, colText)
			break
		}
		s.add(item{kind: itemFill, paths: [][]fpt{rect(x, y-11, x+20, y+3)}, fill: withAlpha(hexColor(c.Color), 0xd8), stroke: colEdge, width: 0.8})
		s.add(item{kind: itemCircle, c: fpt{x + 10, y - 4}, r: 3.5, fill: hexColor(FillColor(c.Fill)), stroke: colText, width: 1})
		id := c.SchoolID
		if !c.ContainsSchool {
			id += " !"
		}
		admitted := strconv.Itoa(c.Assigned)
		if c.PlacesUsed != c.Assigned {
			admitted += fmt.Sprintf(" (%d)", c.PlacesUsed)
		}
		for _, f := range []struct {
			dx float64
			t  string
		}{{28, id}, {84, strconv.Itoa(c.Seats)}, {124, admitted}, {184, fmt.Sprintf("%.0f%%", 100*c.Fill)},
			{224, strconv.Itoa(c.Classes)}, {272, strconv.Itoa(c.Parts)}, {310, crosses(c)}, {350, clip(c.Name, 30)}} {
			text(f.dx, y, f.t, 11, colText)
		}
	}
	y = bottom - 128
	text(0, y, "Key", 13, colText)
	for _, k := range []struct {
		col   string
		label string
	}{{FillColor(1), "school full"}, {FillColor(0.95), "90% full or more"}, {FillColor(0), "seats left"}} {
		y += 15
		s.add(item{kind: itemCircle, c: fpt{x + 10, y - 4}, r: 5, fill: hexColor(k.col), stroke: colText, width: 1})
		text(28, y, k.label, 11, colText)
	}
	for _, k := range []struct {
		col   color.NRGBA
		w     float64
		label string
	}{{colWater, 6, "river"}, {colRoadMajor, 3, "major road"}, {colTheWard, 3, "this ward's boundary"}} {
		y += 15
		s.add(item{kind: itemStroke, paths: [][]fpt{{{x, y - 4}, {x + 20, y - 4}}}, stroke: k.col, width: k.w})
		text(28, y, k.label, 11, colText)
	}
}

// crosses returns "across" for a catchment with land on both sides of the
// water.
func crosses(c *Catchment) string {
	if c.RiverSides > 1 {
		return "across"
	}
	return ""
}

// clip shortens a name to n runes.
func clip(name string, n int) string {
	r := []rune(name)
	if len(r) <= n {
		return name
	}
	return string(r[:n-1]) + "…"
}

// addScaleBar draws a bar of a round length near the map's bottom left.
func addScaleBar(s *scene, v *view) {
	target := 150 * v.metresPerP
	l := math.Pow(10, math.Floor(math.Log10(target)))
	for _, m := range []float64{5, 2, 1} {
		if m*l <= target {
			l *= m
			break
		}
	}
	w := l / v.metresPerP
	x, y := 16.0, titleH+v.h-18
	s.add(item{kind: itemFill, paths: [][]fpt{rect(x-6, y-22, x+w+60, y+8)}, fill: withAlpha(colWhite, 0xc0)})
	s.add(item{kind: itemStroke, paths: [][]fpt{{{x, y - 5}, {x, y}, {x + w, y}, {x + w, y - 5}}}, stroke: colText, width: 2})
	label := fmt.Sprintf("%g m", l)
	if l >= 1000 {
		label = fmt.Sprintf("%g km", l/1000)
	}
	s.add(item{kind: itemText, c: fpt{x + w + 6, y + 2}, text: label, size: 12, fill: colText})
}

func rect(x0, y0, x1, y1 float64) []fpt {
	return []fpt{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func withAlpha(c color.NRGBA, a uint8) color.NRGBA { c.A = a; return c }

// hexColor parses "#rrggbb"; anything else is grey.
func hexColor(s string) color.NRGBA {
	var r, g, b uint8
	if _, err := fmt.Sscanf(strings.TrimPrefix(s, "#"), "%02x%02x%02x", &r, &g, &b); err != nil || len(s) != 7 {
		return color.NRGBA{0x99, 0x99, 0x99, 0xff}
	}
	return color.NRGBA{r, g, b, 0xff}
}

// layerFeature is one feature of a base layer.
type layerFeature struct {
	polys orb.MultiPolygon
	lines []orb.LineString
	major bool // a road of class motorway, trunk or primary
}

// decodeLayer reads a base layer: polygons, lines and their multi forms;
// points and features without geometry are ignored.
func decodeLayer(data []byte) ([]layerFeature, error) {
	if len(data) == 0 {
		return nil, nil
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		return nil, err
	}
	var out []layerFeature
	for _, f := range fc.Features {
		var lf layerFeature
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			lf.polys = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			lf.polys = g
		case orb.LineString:
			lf.lines = []orb.LineString{g}
		case orb.MultiLineString:
			lf.lines = g
		default:
			continue
		}
		class := f.Properties.MustString("road_class", f.Properties.MustString("highway", ""))
		lf.major = class == "motorway" || class == "trunk" || class == "primary"
		out = append(out, lf)
	}
	return out, nil
}
