package chart

import (
	"bytes"
	"image/png"
	"math"
	"testing"
)

func sample() Chart {
	return Chart{
		Title:  "tokenmint-bench",
		Series: []string{"sqlite", "postgres"},
		Panels: []Panel{
			{Title: "Throughput", Unit: "/s", Bars: []Bar{
				{Label: "floor", Values: []float64{20000, 19000}},
				{Label: "cc-opaque", Values: []float64{4000, math.NaN()}},
			}},
			{Title: "p99 at 80%", Unit: " ms", Target: 10, TargetLabel: "target", Log: true, Bars: []Bar{
				{Label: "floor", Values: []float64{0.8, 0.9}},
				{Label: "cc-opaque", Values: []float64{3.2, 25}},
			}},
		},
	}
}

func TestWritePNG(t *testing.T) {
	var buf bytes.Buffer
	if err := sample().WritePNG(&buf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != width || b.Dy() != sample().height() {
		t.Fatalf("size %v, want %dx%d", b, width, sample().height())
	}
	// The first series' colour must appear: bars were drawn.
	found := false
	for y := b.Min.Y; y < b.Max.Y && !found; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if uint8(r>>8) == palette[0].R && uint8(g>>8) == palette[0].G && uint8(bl>>8) == palette[0].B {
				found = true
				break
			}
		}
	}
	if !found {
		t.Error("no bar of the first series was drawn")
	}
}

func TestRenderRejects(t *testing.T) {
	tests := []struct {
		name string
		c    Chart
	}{
		{"no series", Chart{Panels: sample().Panels}},
		{"too many series", Chart{Series: []string{"a", "b", "c", "d", "e"}, Panels: sample().Panels}},
		{"no panel", Chart{Series: []string{"a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.c.Render(); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func TestNiceMax(t *testing.T) {
	tests := []struct {
		name string
		in   float64
		want float64
	}{
		{"zero", 0, 1},
		{"exact power", 1000, 1000},
		{"rounds to 1.5", 1234, 1500},
		{"rounds to 4", 3100, 4000},
		{"rounds to 8", 7200, 8000},
		{"rounds to 10", 8100, 10000},
		{"fraction", 0.37, 0.4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := niceMax(tt.in); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("niceMax(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {0.123, "0.12"}, {3.456, "3.46"}, {12.34, "12.3"}, {12345.6, "12346"},
	}
	for _, tt := range tests {
		if got := formatValue(tt.in); got != tt.want {
			t.Errorf("formatValue(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLogAxis(t *testing.T) {
	p := Panel{Log: true, Target: 10, Bars: []Bar{{Values: []float64{0.5, 2215, math.NaN(), 0}}}}
	a := p.axis()
	if a.lo != 0.1 || a.hi != 10000 || len(a.ticks) != 6 {
		t.Fatalf("axis %+v, want 0.1 to 10000 with 6 ticks", a)
	}
	tests := []struct {
		v, want float64
	}{
		{0.1, 0}, {1, 0.2}, {10000, 1}, {0, 0}, {math.Inf(-1), 0},
	}
	for _, tt := range tests {
		if got := a.pos(tt.v); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("pos(%v) = %v, want %v", tt.v, got, tt.want)
		}
	}
	lin := Panel{Bars: []Bar{{Values: []float64{3100}}}}.axis()
	if lin.log || lin.hi != 4000 || lin.pos(2000) != 0.5 {
		t.Errorf("linear axis %+v", lin)
	}
}
