package histogram

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketsAreContiguous(t *testing.T) {
	prev := int64(-1)
	for i := 0; i < numBuckets; i++ {
		lo, hi := lowest(i), highest(i)
		if lo != prev+1 {
			t.Fatalf("bucket %d starts at %d, want %d", i, lo, prev+1)
		}
		if hi < lo {
			t.Fatalf("bucket %d: highest %d < lowest %d", i, hi, lo)
		}
		if index(lo) != i || index(hi) != i {
			t.Fatalf("bucket %d: index(%d)=%d index(%d)=%d", i, lo, index(lo), hi, index(hi))
		}
		prev = hi
	}
	if prev != math.MaxInt64 {
		t.Fatalf("last bucket ends at %d, want MaxInt64", prev)
	}
}

func TestRelativeError(t *testing.T) {
	const maxErr = 1.0 / halfCount
	for i := 0; i < numBuckets; i++ {
		lo, hi := lowest(i), highest(i)
		if lo == 0 {
			continue
		}
		if rel := float64(hi-lo) / float64(lo); rel > maxErr {
			t.Fatalf("bucket %d [%d,%d]: relative width %.5f > %.5f", i, lo, hi, rel, maxErr)
		}
	}
}

func TestQuantiles(t *testing.T) {
	tests := []struct {
		name   string
		values []int64
		q      float64
		want   int64
	}{
		{"empty", nil, 0.99, 0},
		{"single", []int64{42}, 0.5, 42},
		{"exact below 256", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.5, 5},
		{"p100 is max", []int64{1, 1000, 5_000_000}, 1, 5_000_000},
		{"p0 is first bucket", []int64{7, 1000}, 0, 7},
		{"negative counts as zero", []int64{-5}, 0.5, 0},
		{"tail of 1000", seq(1000), 0.999, 999},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New()
			for _, v := range tt.values {
				h.Record(v)
			}
			if got := h.Quantile(tt.q); got != tt.want {
				t.Errorf("Quantile(%v) = %d, want %d", tt.q, got, tt.want)
			}
		})
	}
}

func seq(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}

// TestAgainstSorted compares quantiles with the exact order statistics of
// random latencies: each must be at or above the truth and within the
// bucket precision of it.
func TestAgainstSorted(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	h := New()
	var all []int64
	for range 100_000 {
		v := int64(r.ExpFloat64() * float64(2*time.Millisecond))
		h.Record(v)
		all = append(all, max(v, 0))
	}
	slices.Sort(all)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 0.9999} {
		exact := all[int(math.Ceil(q*float64(len(all))))-1]
		got := h.Quantile(q)
		if got < exact || float64(got-exact) > float64(exact)/halfCount+1 {
			t.Errorf("q=%v: got %d, exact %d", q, got, exact)
		}
	}
	if h.Count() != uint64(len(all)) || h.Min() != all[0] || h.Max() != all[len(all)-1] {
		t.Errorf("count/min/max = %d/%d/%d, want %d/%d/%d", h.Count(), h.Min(), h.Max(), len(all), all[0], all[len(all)-1])
	}
}

func TestMerge(t *testing.T) {
	a, b, both := New(), New(), New()
	for i := range 1000 {
		v := int64(i * i)
		both.Record(v)
		if i%3 == 0 {
			a.Record(v)
		} else {
			b.Record(v)
		}
	}
	a.Merge(b)
	a.Merge(New()) // merging an empty histogram changes nothing
	if a.Count() != both.Count() || a.Min() != both.Min() || a.Max() != both.Max() || a.Mean() != both.Mean() {
		t.Fatalf("merged summary differs: %d/%d/%d/%v vs %d/%d/%d/%v", a.Count(), a.Min(), a.Max(), a.Mean(), both.Count(), both.Min(), both.Max(), both.Mean())
	}
	for _, q := range []float64{0.1, 0.5, 0.99, 0.999} {
		if a.Quantile(q) != both.Quantile(q) {
			t.Errorf("q=%v: merged %d, direct %d", q, a.Quantile(q), both.Quantile(q))
		}
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	h := New()
	if n := testing.AllocsPerRun(1000, func() { h.RecordDuration(3 * time.Millisecond) }); n != 0 {
		t.Fatalf("Record allocates %v times", n)
	}
}

func BenchmarkRecord(b *testing.B) {
	h := New()
	for i := 0; b.Loop(); i++ {
		h.Record(int64(i) * 997)
	}
}
