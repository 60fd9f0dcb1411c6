package chart

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Chart is a figure of panels sharing the same series.
type Chart struct {
	Title  string
	Series []string // legend names, one colour each
	Panels []Panel
}

// Panel is one bar chart: a row per Bar, a bar per series in each row.
type Panel struct {
	Title string
	Unit  string // appended to value labels
	Bars  []Bar
	// Target draws a dashed line at this value (0: none).
	Target      float64
	TargetLabel string
	// Log draws a logarithmic axis, for latencies that span decades.
	Log bool
}

// Bar is a row of the panel. Values[i] belongs to Series[i]; NaN means
// not measured.
type Bar struct {
	Label  string
	Values []float64
}

const (
	width      = 1000
	margin     = 16
	labelWidth = 150
	valueWidth = 90
	barHeight  = 14
	rowGap     = 8
	titleH     = 28
	axisH      = 20
	lineH      = 13
)

var (
	ink     = color.RGBA{0x22, 0x22, 0x22, 0xff}
	grid    = color.RGBA{0xdd, 0xdd, 0xdd, 0xff}
	target  = color.RGBA{0xc0, 0x39, 0x2b, 0xff}
	palette = []color.RGBA{
		{0x2e, 0x86, 0xc1, 0xff}, // blue
		{0xe6, 0x7e, 0x22, 0xff}, // orange
		{0x27, 0xae, 0x60, 0xff}, // green
		{0x8e, 0x44, 0xad, 0xff}, // purple
	}
)

// WritePNG renders the chart and encodes it as PNG.
func (c Chart) WritePNG(w io.Writer) error {
	img, err := c.Render()
	if err != nil {
		return err
	}
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("encode png: %w", err)
	}
	return nil
}

// Render draws the chart.
func (c Chart) Render() (*image.RGBA, error) {
	if len(c.Series) == 0 || len(c.Series) > len(palette) {
		return nil, fmt.Errorf("chart needs 1 to %d series, got %d", len(palette), len(c.Series))
	}
	if len(c.Panels) == 0 {
		return nil, errors.New("chart has no panel")
	}
	img := image.NewRGBA(image.Rect(0, 0, width, c.height()))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	y := margin
	text(img, margin, y+lineH, c.Title, ink)
	c.legend(img, y+lineH)
	y += titleH
	for _, p := range c.Panels {
		y = p.draw(img, y, len(c.Series))
	}
	return img, nil
}

func (c Chart) height() int {
	h := 2*margin + titleH
	for _, p := range c.Panels {
		h += p.height(len(c.Series))
	}
	return h
}

func (c Chart) legend(img *image.RGBA, baseline int) {
	x := width - margin
	for i := len(c.Series) - 1; i >= 0; i-- {
		x -= textWidth(c.Series[i]) + 24
		fill(img, image.Rect(x, baseline-10, x+12, baseline), palette[i])
		text(img, x+16, baseline, c.Series[i], ink)
	}
}

func (p Panel) rowHeight(series int) int { return series*barHeight + rowGap }

func (p Panel) height(series int) int {
	return titleH + len(p.Bars)*p.rowHeight(series) + axisH + margin
}

// draw draws the panel with its top at y and returns the next free y.
func (p Panel) draw(img *image.RGBA, y, series int) int {
	text(img, margin, y+lineH, p.Title, ink)
	y += titleH
	left := margin + labelWidth
	plotW := width - left - margin - valueWidth
	top, bottom := y, y+len(p.Bars)*p.rowHeight(series)
	ax := p.axis()
	x := func(v float64) int { return left + int(math.Round(ax.pos(v)*float64(plotW))) }
	for _, t := range ax.ticks {
		fill(img, image.Rect(x(t), top, x(t)+1, bottom), grid)
		label := formatValue(t)
		text(img, x(t)-textWidth(label)/2, bottom+lineH+2, label, ink)
	}
	for i, b := range p.Bars {
		ry := top + i*p.rowHeight(series)
		text(img, margin, ry+series*barHeight/2+5, b.Label, ink)
		for s, v := range b.Values {
			p.bar(img, x, ry+s*barHeight, v, palette[s%len(palette)])
		}
	}
	fill(img, image.Rect(left, top, left+1, bottom), ink)
	if p.Target > 0 {
		dashed(img, x(p.Target), top, bottom, target)
		text(img, x(p.Target)+3, top-3, p.TargetLabel, target)
	}
	return bottom + axisH + margin
}

func (p Panel) bar(img *image.RGBA, x func(float64) int, y int, v float64, c color.RGBA) {
	if math.IsNaN(v) {
		text(img, x(math.Inf(-1))+4, y+barHeight-3, "n/a", ink)
		return
	}
	start := x(math.Inf(-1))
	end := max(x(v), start+1)
	fill(img, image.Rect(start, y+1, end, y+barHeight-1), c)
	text(img, end+4, y+barHeight-3, formatValue(v)+p.Unit, ink)
}

// axis maps values to [0, 1] across the plot.
type axis struct {
	lo, hi float64 // the ends; lo > 0 on a log axis
	log    bool
	ticks  []float64
}

func (a axis) pos(v float64) float64 {
	if a.log {
		v = math.Max(v, a.lo)
		return math.Log10(v/a.lo) / math.Log10(a.hi/a.lo)
	}
	return math.Max(v, 0) / a.hi
}

// axis is linear from 0 to a round maximum, or logarithmic between the
// powers of ten around every value.
func (p Panel) axis() axis {
	hi := max(p.maxValue(), p.Target*1.1)
	if !p.Log {
		a := axis{hi: niceMax(hi)}
		a.ticks = ticks(a.hi)
		return a
	}
	lo := p.minPositive()
	if p.Target > 0 {
		lo = math.Min(lo, p.Target)
	}
	a := axis{log: true, lo: math.Pow(10, math.Floor(math.Log10(lo))), hi: math.Pow(10, math.Ceil(math.Log10(hi)))}
	if a.hi <= a.lo {
		a.hi = a.lo * 10
	}
	for t := a.lo; t <= a.hi*1.0001; t *= 10 {
		a.ticks = append(a.ticks, t)
	}
	return a
}

func (p Panel) minPositive() float64 {
	m := math.Inf(1)
	for _, b := range p.Bars {
		for _, v := range b.Values {
			if v > 0 && !math.IsInf(v, 0) {
				m = math.Min(m, v)
			}
		}
	}
	if math.IsInf(m, 1) {
		return 1
	}
	return m
}

func (p Panel) maxValue() float64 {
	m := 0.0
	for _, b := range p.Bars {
		for _, v := range b.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				m = max(m, v)
			}
		}
	}
	return m
}

// niceMax rounds v up to a round multiple of a power of ten, close
// enough that the longest bar fills most of the panel.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	exp := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if v <= m*exp {
			return m * exp
		}
	}
	return 10 * exp
}

// ticks returns five evenly spaced gridline values from 0 to scale.
func ticks(scale float64) []float64 {
	out := make([]float64, 0, 6)
	for i := 0; i <= 5; i++ {
		out = append(out, scale*float64(i)/5)
	}
	return out
}

// formatValue prints v with up to three significant digits.
func formatValue(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v == 0:
		return "0"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

func dashed(img *image.RGBA, x, top, bottom int, c color.RGBA) {
	for y := top; y < bottom; y += 6 {
		fill(img, image.Rect(x, y, x+2, min(y+3, bottom)), c)
	}
}

func text(img *image.RGBA, x, baseline int, s string, c color.RGBA) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, baseline)}
	d.DrawString(s)
}

func textWidth(s string) int {
	return font.MeasureString(basicfont.Face7x13, s).Round()
}
