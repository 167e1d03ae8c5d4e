package maps

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/catchment/catchment/geo"
	"github.com/go-fonts/dejavu/dejavusans"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
	"golang.org/x/text/unicode/norm"
)

// RenderPNG draws the map of a ward (see MapOptions) for one level of the
// set as a PNG. The same inputs always give the same bytes. The text is
// drawn in DejaVu Sans (embedded), which has every Vietnamese letter; a
// letter it lacks is drawn as its base letter (see drawable).
func RenderPNG(w io.Writer, set *Set, level geo.Level, opt MapOptions) error {
	s, err := buildScene(set, level, opt)
	if err != nil {
		return err
	}
	img := image.NewRGBA(image.Rect(0, 0, s.w, s.h))
	var z vector.Rasterizer
	for i := range s.items {
		drawItem(img, &z, &s.items[i])
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(w, img); err != nil {
		return fmt.Errorf("maps: %w", err)
	}
	return nil
}

func drawItem(img *image.RGBA, z *vector.Rasterizer, it *item) {
	switch it.kind {
	case itemFill:
		if it.fill.A > 0 {
			fillPaths(img, z, it.paths, it.fill)
		}
		if it.stroke.A > 0 && it.width > 0 {
			fillPaths(img, z, strokeOutline(it.paths, it.width), it.stroke)
		}
	case itemStroke:
		paths := it.paths
		if it.dash[0] > 0 {
			paths = dashed(paths, it.dash)
		}
		fillPaths(img, z, strokeOutline(paths, it.width), it.stroke)
	case itemCircle:
		if it.stroke.A > 0 {
			fillPaths(img, z, [][]fpt{circle(it.c, it.r+it.width/2)}, it.stroke)
			fillPaths(img, z, [][]fpt{circle(it.c, it.r-it.width/2)}, it.fill)
		} else {
			fillPaths(img, z, [][]fpt{circle(it.c, it.r)}, it.fill)
		}
	case itemText:
		drawText(img, it)
	}
}

// fillPaths fills closed paths with the non-zero rule, blending over img;
// the rasterizer covers only the paths' bounding box.
func fillPaths(img *image.RGBA, z *vector.Rasterizer, paths [][]fpt, c color.NRGBA) {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range paths {
		for _, q := range p {
			minX, minY, maxX, maxY = min(minX, q.x), min(minY, q.y), max(maxX, q.x), max(maxY, q.y)
		}
	}
	r := image.Rect(int(math.Floor(minX)), int(math.Floor(minY)), int(math.Ceil(maxX))+1, int(math.Ceil(maxY))+1).Intersect(img.Bounds())
	if r.Empty() {
		return
	}
	z.Reset(r.Dx(), r.Dy())
	z.DrawOp = draw.Over
	ox, oy := float64(r.Min.X), float64(r.Min.Y)
	for _, p := range paths {
		if len(p) < 3 {
			continue
		}
		z.MoveTo(float32(p[0].x-ox), float32(p[0].y-oy))
		for _, q := range p[1:] {
			z.LineTo(float32(q.x-ox), float32(q.y-oy))
		}
		z.ClosePath()
	}
	z.Draw(img, r, image.NewUniform(c), image.Point{})
}

// strokeOutline returns closed paths whose non-zero union is the stroke of
// the polylines at the given width: a quadrilateral per segment and an
// octagon per vertex, all wound the same way.
func strokeOutline(lines [][]fpt, width float64) [][]fpt {
	h := width / 2
	var out [][]fpt
	for _, l := range lines {
		for k := 0; k+1 < len(l); k++ {
			a, b := l[k], l[k+1]
			dx, dy := b.x-a.x, b.y-a.y
			n := math.Hypot(dx, dy)
			if n == 0 {
				continue
			}
			nx, ny := -dy/n*h, dx/n*h
			out = append(out, []fpt{{a.x + nx, a.y + ny}, {b.x + nx, b.y + ny}, {b.x - nx, b.y - ny}, {a.x - nx, a.y - ny}})
		}
		if h > 0.75 {
			for _, p := range l {
				out = append(out, polygonAround(p, h, 8))
			}
		}
	}
	return out
}

// dashed cuts polylines into dashes of dash[0] pixels separated by gaps of
// dash[1].
func dashed(lines [][]fpt, dash [2]float64) [][]fpt {
	var out [][]fpt
	for _, l := range lines {
		on, left := true, dash[0]
		var cur []fpt
		if len(l) > 0 {
			cur = []fpt{l[0]}
		}
		for k := 0; k+1 < len(l); k++ {
			a, b := l[k], l[k+1]
			seg := math.Hypot(b.x-a.x, b.y-a.y)
			for pos := 0.0; seg-pos > 1e-9; {
				step := math.Min(left, seg-pos)
				pos += step
				left -= step
				p := fpt{a.x + (b.x-a.x)*pos/seg, a.y + (b.y-a.y)*pos/seg}
				if on {
					cur = append(cur, p)
				}
				if left <= 1e-9 {
					if on && len(cur) > 1 {
						out = append(out, cur)
					}
					on = !on
					left = dash[1]
					if on {
						left = dash[0]
					}
					cur = []fpt{p}
				}
			}
		}
		if on && len(cur) > 1 {
			out = append(out, cur)
		}
	}
	return out
}

// circle returns a closed polygon approximating a circle.
func circle(c fpt, r float64) []fpt { return polygonAround(c, r, 32) }

// polygonAround returns a regular n-gon around c, wound like the stroke
// quadrilaterals (clockwise on screen).
func polygonAround(c fpt, r float64, n int) []fpt {
	out := make([]fpt, n)
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		out[i] = fpt{c.x + r*math.Cos(a), c.y - r*math.Sin(a)}
	}
	return out
}

var (
	fontOnce sync.Once
	fontData *opentype.Font
	faces    = map[float64]font.Face{}
	facesMu  sync.Mutex
)

func face(size float64) font.Face {
	fontOnce.Do(func() { fontData, _ = opentype.Parse(dejavusans.TTF) })
	facesMu.Lock()
	defer facesMu.Unlock()
	if f, ok := faces[size]; ok {
		return f
	}
	f, err := opentype.NewFace(fontData, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil
	}
	faces[size] = noKern{f}
	return faces[size]
}

// noKern is a face without kerning: x/image's reader of DejaVu's kerning
// table moves pairs such as "Tr" and "Fa" far too close (an r under the T),
// and labels read better evenly spaced than wrongly kerned.
type noKern struct{ font.Face }

// Kern returns 0 for every pair.
func (noKern) Kern(rune, rune) fixed.Int26_6 { return 0 }

// drawText draws a label, with a white halo when asked.
func drawText(img *image.RGBA, it *item) {
	f := face(it.size)
	if f == nil {
		return
	}
	text := drawable(f, it.text)
	x := it.c.x
	if it.anchor > 0 {
		wdt := float64(font.MeasureString(f, text)) / 64
		x -= wdt * float64(it.anchor) / 2
	}
	d := font.Drawer{Dst: img, Face: f}
	if it.halo {
		d.Src = image.NewUniform(colWhite)
		for _, o := range [][2]float64{{-1, 0}, {1, 0}, {0, -1}, {0, 1}, {-1, -1}, {1, 1}, {-1, 1}, {1, -1}} {
			d.Dot = fixed.Point26_6{X: fixed.Int26_6((x + o[0]) * 64), Y: fixed.Int26_6((it.c.y + o[1]) * 64)}
			d.DrawString(text)
		}
	}
	d.Src = image.NewUniform(it.fill)
	d.Dot = fixed.Point26_6{X: fixed.Int26_6(x * 64), Y: fixed.Int26_6(it.c.y * 64)}
	d.DrawString(text)
}

// drawable replaces the letters the face lacks by their base letter (ệ ->
// e, ư -> u, đ -> d), keeping the rest.
func drawable(f font.Face, s string) string {
	var b strings.Builder
	for _, r := range s {
		if _, ok := f.GlyphAdvance(r); ok {
			b.WriteRune(r)
			continue
		}
		switch r {
		case 'ư':
			r = 'u'
		case 'Ư':
			r = 'U'
		case 'ơ':
			r = 'o'
		case 'Ơ':
			r = 'O'
		}
		for _, q := range norm.NFD.String(string(r)) {
			if _, ok := f.GlyphAdvance(q); ok && !unicode.Is(unicode.Mn, q) {
				b.WriteRune(q)
				break
			}
		}
	}
	return b.String()
}

// RenderSVG draws the same map as RenderPNG as an SVG document, with
// every name in full UTF-8.
func RenderSVG(w io.Writer, set *Set, level geo.Level, opt MapOptions) error {
	s, err := buildScene(set, level, opt)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans, Noto Sans, Arial, sans-serif">`+"\n",
		s.w, s.h, s.w, s.h)
	for i := range s.items {
		writeSVGItem(bw, &s.items[i])
	}
	bw.WriteString("</svg>\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("maps: %w", err)
	}
	return nil
}

func writeSVGItem(w *bufio.Writer, it *item) {
	switch it.kind {
	case itemFill:
		fmt.Fprintf(w, `<path d="%s" fill-rule="nonzero"%s%s/>`+"\n", svgPath(it.paths, true), svgPaint("fill", it.fill), svgStroke(it))
	case itemStroke:
		fmt.Fprintf(w, `<path d="%s" fill="none"%s stroke-linejoin="round" stroke-linecap="round"/>`+"\n", svgPath(it.paths, false), svgStroke(it))
	case itemCircle:
		fmt.Fprintf(w, `<circle cx="%s" cy="%s" r="%s"%s%s/>`+"\n", f1(it.c.x), f1(it.c.y), f1(it.r), svgPaint("fill", it.fill), svgStroke(it))
	case itemText:
		anchor := [...]string{"start", "middle", "end"}[it.anchor]
		halo := ""
		if it.halo {
			halo = ` stroke="#ffffff" stroke-width="3" paint-order="stroke"`
		}
		var esc strings.Builder
		_ = xmlEscape(&esc, it.text)
		fmt.Fprintf(w, `<text x="%s" y="%s" font-size="%s" text-anchor="%s"%s%s>%s</text>`+"\n",
			f1(it.c.x), f1(it.c.y), f1(it.size), anchor, svgPaint("fill", it.fill), halo, esc.String())
	}
}

func svgPath(paths [][]fpt, close bool) string {
	var b strings.Builder
	for _, p := range paths {
		for k, q := range p {
			if k == 0 {
				b.WriteByte('M')
			} else {
				b.WriteByte('L')
			}
			b.WriteString(f1(q.x))
			b.WriteByte(' ')
			b.WriteString(f1(q.y))
		}
		if close {
			b.WriteByte('Z')
		}
	}
	return b.String()
}

func svgStroke(it *item) string {
	if it.stroke.A == 0 || it.width == 0 {
		return ""
	}
	s := svgPaint("stroke", it.stroke) + ` stroke-width="` + f1(it.width) + `"`
	if it.dash[0] > 0 {
		s += ` stroke-dasharray="` + f1(it.dash[0]) + " " + f1(it.dash[1]) + `"`
	}
	return s
}

func svgPaint(attr string, c color.NRGBA) string {
	if c.A == 0 {
		return " " + attr + `="none"`
	}
	s := fmt.Sprintf(` %s="#%02x%02x%02x"`, attr, c.R, c.G, c.B)
	if c.A < 0xff {
		s += fmt.Sprintf(` %s-opacity="%s"`, attr, strconv.FormatFloat(float64(c.A)/255, 'f', 3, 64))
	}
	return s
}

func f1(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

func xmlEscape(w *strings.Builder, s string) error {
	for _, r := range s {
		switch r {
		case '<':
			w.WriteString("&lt;")
		case '>':
			w.WriteString("&gt;")
		case '&':
			w.WriteString("&amp;")
		case '"':
			w.WriteString("&quot;")
		default:
			w.WriteRune(r)
		}
	}
	return nil
}
